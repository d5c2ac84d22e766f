-- CRM and call centre: English names, some tables without comments.
CREATE TABLE crm_customer (
  id               BIGINT        NOT NULL,
  customer_no      VARCHAR(20),
  first_name       VARCHAR(40),
  last_name        VARCHAR(40),
  full_name        VARCHAR(80),
  gender           VARCHAR(1),
  date_of_birth    DATE,
  nationality      VARCHAR(3),
  id_card_no       VARCHAR(18),
  passport_no      VARCHAR(9),
  mobile_phone     VARCHAR(20),
  office_phone     VARCHAR(20),
  email_address    VARCHAR(120),
  address_line1    VARCHAR(200),
  city             VARCHAR(50),
  province         VARCHAR(50),
  postcode         VARCHAR(10),
  segment          VARCHAR(10),
  vip_level        INT,
  total_assets     DECIMAL(18,2),
  marketing_opt_in BOOLEAN,
  wechat_openid    VARCHAR(64),
  last_login_ip    VARCHAR(45),
  created_at       DATETIME,
  updated_at       DATETIME,
  PRIMARY KEY (id)
);

CREATE TABLE crm_contact_log (
  log_id           BIGINT        NOT NULL,
  customer_no      VARCHAR(20),
  contact_time     DATETIME,
  channel          VARCHAR(10),
  contact_number   VARCHAR(20),
  agent_id         VARCHAR(10),
  agent_name       VARCHAR(40),
  subject          VARCHAR(100),
  notes            TEXT,
  outcome          VARCHAR(10),
  follow_up_date   DATE,
  PRIMARY KEY (log_id)
);

CREATE TABLE cc_call_record (
  call_id          VARCHAR(32)   NOT NULL COMMENT '呼叫流水号',
  caller_no        VARCHAR(20)   COMMENT '主叫号码',
  called_no        VARCHAR(20)   COMMENT '被叫号码',
  seat_no          VARCHAR(8)    COMMENT '坐席工号',
  seat_name        VARCHAR(40)   COMMENT '坐席姓名',
  start_time       DATETIME      COMMENT '通话开始时间',
  end_time         DATETIME      COMMENT '通话结束时间',
  duration         INT           COMMENT '通话时长(秒)',
  ivr_path         VARCHAR(100)  COMMENT 'IVR路径',
  call_type        CHAR(1)       COMMENT '呼叫类型',
  satisfaction     TINYINT       COMMENT '满意度',
  record_file      VARCHAR(200)  COMMENT '录音文件路径',
  service_remark   VARCHAR(1000) COMMENT '服务备注',
  verify_result    CHAR(1)       COMMENT '身份核验结果',
  PRIMARY KEY (call_id)
) COMMENT='呼叫中心通话记录';

CREATE TABLE crm_campaign (
  campaign_id      BIGINT        NOT NULL COMMENT '活动ID',
  campaign_name    VARCHAR(100)  COMMENT '活动名称',
  campaign_type    VARCHAR(10)   COMMENT '活动类型',
  start_date       DATE          COMMENT '开始日期',
  end_date         DATE          COMMENT '结束日期',
  budget           DECIMAL(15,2) COMMENT '预算',
  target_count     INT           COMMENT '目标客户数',
  response_rate    DECIMAL(5,4)  COMMENT '响应率',
  owner_dept       VARCHAR(20)   COMMENT '负责部门',
  status           VARCHAR(2)    COMMENT '状态',
  sms_template     VARCHAR(500)  COMMENT '短信模板',
  PRIMARY KEY (campaign_id)
) COMMENT='营销活动';

CREATE TABLE crm_login_audit (
  id               BIGINT        NOT NULL,
  user_id          VARCHAR(20),
  login_name       VARCHAR(40),
  password_hash    VARCHAR(128),
  login_ip         VARCHAR(45),
  device_mac       VARCHAR(17),
  device_imei      VARCHAR(15),
  user_agent       VARCHAR(300),
  login_time       DATETIME,
  login_result     VARCHAR(10),
  fail_count       INT,
  sms_code         VARCHAR(6),
  PRIMARY KEY (id)
);
