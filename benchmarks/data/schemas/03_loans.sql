-- Retail loans: mixed pinyin and English, Chinese comments.
CREATE TABLE loan_contract (
  contract_no      VARCHAR(32)   NOT NULL COMMENT '合同编号',
  cust_no          VARCHAR(20)   COMMENT '客户号',
  borrower_name    VARCHAR(60)   COMMENT '借款人姓名',
  borrower_cert_no VARCHAR(18)   COMMENT '借款人身份证号',
  loan_amt         DECIMAL(18,2) COMMENT '贷款金额',
  loan_bal         DECIMAL(18,2) COMMENT '贷款余额',
  loan_term        INT           COMMENT '贷款期限(月)',
  int_rate         DECIMAL(8,6)  COMMENT '执行利率',
  repay_mode       VARCHAR(2)    COMMENT '还款方式',
  start_date       DATE          COMMENT '起始日期',
  end_date         DATE          COMMENT '到期日期',
  loan_acct        VARCHAR(32)   COMMENT '贷款账号',
  repay_card_no    VARCHAR(19)   COMMENT '还款卡号',
  guarantor_name   VARCHAR(60)   COMMENT '担保人姓名',
  guarantor_id_no  VARCHAR(18)   COMMENT '担保人证件号码',
  guarantor_tel    VARCHAR(20)   COMMENT '担保人联系电话',
  collateral_addr  VARCHAR(200)  COMMENT '抵押物地址',
  five_class       CHAR(1)       COMMENT '五级分类',
  overdue_days     INT           COMMENT '逾期天数',
  contract_status  VARCHAR(2)    COMMENT '合同状态',
  branch_no        VARCHAR(10)   COMMENT '经办机构',
  mgr_name         VARCHAR(60)   COMMENT '客户经理姓名',
  PRIMARY KEY (contract_no)
) COMMENT='贷款合同';

CREATE TABLE dk_sqxx (
  sqbh       VARCHAR(20)   NOT NULL COMMENT '申请编号',
  sqrxm      VARCHAR(60)   COMMENT '申请人姓名',
  sqrsfzh    VARCHAR(18)   COMMENT '申请人身份证号',
  sqrsjh     VARCHAR(11)   COMMENT '申请人手机号',
  sqje       DECIMAL(18,2) COMMENT '申请金额',
  sqqx       INT           COMMENT '申请期限',
  dkyt       VARCHAR(2)    COMMENT '贷款用途',
  ysr        DECIMAL(12,2) COMMENT '月收入',
  jzdz       VARCHAR(200)  COMMENT '居住地址',
  dwmc       VARCHAR(100)  COMMENT '单位名称',
  dwdh       VARCHAR(20)   COMMENT '单位电话',
  poxm       VARCHAR(60)   COMMENT '配偶姓名',
  posfzh     VARCHAR(18)   COMMENT '配偶身份证号',
  fkzh       VARCHAR(32)   COMMENT '放款账号',
  sqrq       DATE          COMMENT '申请日期',
  spzt       CHAR(1)       COMMENT '审批状态',
  spr        VARCHAR(20)   COMMENT '审批人工号',
  zxcxsqbz   CHAR(1)       COMMENT '征信查询授权标志',
  PRIMARY KEY (sqbh)
) COMMENT='贷款申请信息';

CREATE TABLE loan_repay_plan (
  plan_id        BIGINT        NOT NULL COMMENT '计划ID',
  contract_no    VARCHAR(32)   COMMENT '合同编号',
  period_no      INT           COMMENT '期次',
  due_date       DATE          COMMENT '应还日期',
  due_prin       DECIMAL(18,2) COMMENT '应还本金',
  due_int        DECIMAL(18,2) COMMENT '应还利息',
  paid_amt       DECIMAL(18,2) COMMENT '已还金额',
  penalty_amt    DECIMAL(18,2) COMMENT '罚息',
  repay_status   CHAR(1)       COMMENT '还款状态',
  settle_date    DATE          COMMENT '结清日期',
  PRIMARY KEY (plan_id)
) COMMENT='还款计划';
