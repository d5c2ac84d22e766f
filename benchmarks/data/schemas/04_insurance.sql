-- Insurance: policies, insured persons, claims and claim payments.
CREATE TABLE pol_main (
  policy_no        VARCHAR(22)   NOT NULL COMMENT '保单号',
  proposal_no      VARCHAR(22)   COMMENT '投保单号',
  risk_code        VARCHAR(6)    COMMENT '险种代码',
  plan_code        VARCHAR(10)   COMMENT '计划代码',
  appnt_name       VARCHAR(60)   COMMENT '投保人姓名',
  appnt_sex        CHAR(1)       COMMENT '投保人性别',
  appnt_birthday   DATE          COMMENT '投保人出生日期',
  appnt_idtype     VARCHAR(2)    COMMENT '投保人证件类型',
  appnt_idno       VARCHAR(30)   COMMENT '投保人证件号码',
  appnt_mobile     VARCHAR(20)   COMMENT '投保人手机',
  appnt_email      VARCHAR(100)  COMMENT '投保人邮箱',
  appnt_addr       VARCHAR(200)  COMMENT '投保人通讯地址',
  amnt             DECIMAL(18,2) COMMENT '保额',
  prem             DECIMAL(18,2) COMMENT '保费',
  pay_intv         INT           COMMENT '缴费间隔',
  pay_years        INT           COMMENT '缴费年期',
  cvalidate        DATE          COMMENT '生效日期',
  enddate          DATE          COMMENT '满期日期',
  pol_state        VARCHAR(2)    COMMENT '保单状态',
  bank_acc_no      VARCHAR(32)   COMMENT '续期缴费账号',
  bank_acc_name    VARCHAR(60)   COMMENT '缴费账户名',
  agent_code       VARCHAR(10)   COMMENT '业务员代码',
  agent_name       VARCHAR(60)   COMMENT '业务员姓名',
  manage_com       VARCHAR(10)   COMMENT '管理机构',
  sign_date        DATE          COMMENT '签单日期',
  PRIMARY KEY (policy_no)
) COMMENT='保单主表';

CREATE TABLE pol_insured (
  insured_id       BIGINT        NOT NULL COMMENT '被保人序号',
  policy_no        VARCHAR(22)   COMMENT '保单号',
  bbrxm            VARCHAR(60)   COMMENT '被保险人姓名',
  bbrsfzh          VARCHAR(18)   COMMENT '被保险人身份证号',
  bbrcsrq          DATE          COMMENT '被保险人出生日期',
  bbrxb            CHAR(1)       COMMENT '被保险人性别',
  relation_to_appnt VARCHAR(2)   COMMENT '与投保人关系',
  occupation_code  VARCHAR(8)    COMMENT '职业代码',
  health_flag      CHAR(1)       COMMENT '健康告知标志',
  bnf_name         VARCHAR(60)   COMMENT '受益人姓名',
  bnf_idno         VARCHAR(18)   COMMENT '受益人证件号',
  bnf_lot          DECIMAL(5,2)  COMMENT '受益比例',
  insured_mobile   VARCHAR(11)   COMMENT '被保险人手机号',
  plate_no         VARCHAR(10)   COMMENT '车牌号码',
  vin              VARCHAR(17)   COMMENT '车架号',
  PRIMARY KEY (insured_id)
) COMMENT='被保险人信息';

CREATE TABLE clm_case (
  claim_no         VARCHAR(22)   NOT NULL COMMENT '赔案号',
  report_no        VARCHAR(22)   COMMENT '报案号',
  policy_no        VARCHAR(22)   COMMENT '保单号',
  reporter_name    VARCHAR(60)   COMMENT '报案人姓名',
  reporter_phone   VARCHAR(20)   COMMENT '报案人电话',
  accident_date    DATE          COMMENT '出险日期',
  accident_place   VARCHAR(200)  COMMENT '出险地点',
  accident_desc    TEXT          COMMENT '出险经过',
  diagnosis        VARCHAR(200)  COMMENT '诊断结果',
  hospital_name    VARCHAR(100)  COMMENT '就诊医院',
  claim_amt        DECIMAL(18,2) COMMENT '索赔金额',
  approved_amt     DECIMAL(18,2) COMMENT '核赔金额',
  case_status      VARCHAR(2)    COMMENT '案件状态',
  handler_code     VARCHAR(10)   COMMENT '理赔员代码',
  register_time    DATETIME      COMMENT '立案时间',
  close_time       DATETIME      COMMENT '结案时间',
  PRIMARY KEY (claim_no)
) COMMENT='理赔案件';

CREATE TABLE clm_payment (
  pay_id           BIGINT        NOT NULL COMMENT '支付ID',
  claim_no         VARCHAR(22)   COMMENT '赔案号',
  payee_name       VARCHAR(60)   COMMENT '领款人姓名',
  payee_idno       VARCHAR(18)   COMMENT '领款人身份证号',
  payee_bank_code  VARCHAR(12)   COMMENT '收款银行代码',
  payee_bank_name  VARCHAR(100)  COMMENT '收款银行名称',
  payee_acct_no    VARCHAR(32)   COMMENT '收款账号',
  pay_amt          DECIMAL(18,2) COMMENT '支付金额',
  pay_date         DATE          COMMENT '支付日期',
  pay_status       CHAR(1)       COMMENT '支付状态',
  voucher_no       VARCHAR(20)   COMMENT '凭证号',
  PRIMARY KEY (pay_id)
) COMMENT='理赔支付';
