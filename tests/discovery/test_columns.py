"""The column decision: names, comments, types and values weighed as the knowledge file says."""

from __future__ import annotations

import pytest

from benchmarks.discovery_data import Values
from pii_guard.discovery.columns.judge import KnowledgeJudge
from pii_guard.discovery.model import ColumnInfo, TableInfo, TypeFamily
from pii_guard.discovery.profile import ValueProfiler
from pii_guard.discovery.scanner import Scanner

CUSTOMERS = TableInfo("public", "t_cust_info", (), comment="客户信息表")
BRANCHES = TableInfo("public", "t_branch", (), comment="机构信息表")


def column(name: str, data_type: str = "VARCHAR(64)", family: TypeFamily = "text",
           length: int | None = 64, comment: str | None = None) -> ColumnInfo:
    return ColumnInfo(name, data_type, family, length, comment)


@pytest.mark.parametrize(("name", "comment", "entity"), [
    # pinyin initials
    ("sfzh", None, "CN_RESIDENT_ID"), ("zjhm", None, "CN_RESIDENT_ID"),
    ("sjhm", None, "CN_MOBILE"), ("khxm", None, "PERSON"), ("yhkh", None, "BANK_CARD"),
    ("jtzz", None, "ADDRESS"), ("csrq", None, "DATE_OF_BIRTH"), ("bdh", None, "POLICY_NUMBER"),
    ("bbrsfzh", None, "CN_RESIDENT_ID"), ("lxrdh", None, "PHONE_NUMBER"),
    # English names, prefixes, suffixes and run-together words
    ("cust_nm", None, "PERSON"), ("custMobileNo", None, "CN_MOBILE"),
    ("id_card_no", None, "CN_RESIDENT_ID"), ("card_no", None, "BANK_CARD"),
    ("acct_no", None, "BANK_ACCOUNT"), ("email_addr", None, "EMAIL_ADDRESS"),
    ("birth_dt", None, "DATE_OF_BIRTH"), ("last_login_ip", None, "IP_ADDRESS"),
    ("card_exp_date", None, "AUTH_SECRET"), ("pwd_hash", None, "AUTH_SECRET"),
    # the comment decides when the name is opaque
    ("c07", "客户身份证号码", "CN_RESIDENT_ID"), ("f_a1", "投保人手机", "CN_MOBILE"),
    ("x", "持卡人姓名", "PERSON"), ("cvv2", "CVV2加密值", "AUTH_SECRET"),
    # attributes of an entity are not the entity
    ("zjlx", None, None), ("zjhm", "证件类型", None), ("card_type", None, None),
    ("mobile_cnt", None, None), ("is_mobile_verified", None, None), ("sfyx", None, None),
    ("zjyxq", "证件有效期", None), ("order_no", "订单号", None), ("cust_no", "客户号", None),
    ("khrq", "开户日期", None), ("referrer_code", "推荐人工号", None),
    ("contact_relation", "联系人关系", None), ("txn_amt", "交易金额", None),
    # whose thing it is
    ("prod_name", "产品名称", None), ("bank_name", None, None), ("branch_tel", None, None),
    ("jgmc", "机构名称", None), ("user_name", "用户账号", None), ("avatar", "头像地址", None),
    ("corporate_name", None, None),
    # common English spellings of Chinese schemas
    ("linkman", None, "PERSON"), ("link_phone", None, "PHONE_NUMBER"),
    ("legal_person", None, "PERSON"), ("tax_number", None, "CN_USCC"),
])
def test_names_and_comments_decide_the_entity(judge: KnowledgeJudge, name: str,
                                              comment: str | None, entity: str | None) -> None:
    decision = judge.decide(CUSTOMERS, column(name, comment=comment), None)
    assert decision.entity == entity, decision.evidence


@pytest.mark.parametrize(("table", "entity"), [(CUSTOMERS, "PERSON"), (BRANCHES, None)])
def test_a_bare_name_column_is_a_person_only_in_a_persons_table(
        judge: KnowledgeJudge, table: TableInfo, entity: str | None) -> None:
    assert judge.decide(table, column("name"), None).entity == entity


@pytest.mark.parametrize(("family", "data_type", "length", "entity"), [
    ("text", "VARCHAR(20)", 20, "CN_MOBILE"),
    ("bigint", "BIGINT", None, "CN_MOBILE"),
    ("decimal", "DECIMAL(18,2)", None, None),
    ("integer", "INTEGER", None, None),
    ("text", "VARCHAR(4)", 4, None),
    ("boolean", "BOOLEAN", None, None),
])
def test_types_that_cannot_hold_a_mobile_rule_it_out(judge: KnowledgeJudge, family: TypeFamily,
                                                     data_type: str, length: int | None,
                                                     entity: str | None) -> None:
    decision = judge.decide(CUSTOMERS, column("sjhm", data_type, family, length), None)
    assert decision.entity == entity


def test_a_table_comment_ending_in_biao_does_not_hide_contact_columns(
        judge: KnowledgeJudge) -> None:
    orders = TableInfo("s", "oms_order", (), comment="订单表")
    decision = judge.decide(orders, column("bill_receiver_email", comment="收票人邮箱"), None)
    assert decision.entity == "EMAIL_ADDRESS"


def test_an_integer_primary_key_is_never_personal(judge: KnowledgeJudge) -> None:
    table = TableInfo("s", "card_info", (), primary_key=("card_id",))
    decision = judge.decide(table, column("card_id", "BIGINT", "bigint", None, "卡片ID"), None)
    assert decision.entity is None


def test_luhn_valid_card_numbers_flag_a_column_named_order_no(
        judge: KnowledgeJudge, scanner: Scanner) -> None:
    v = Values(1)
    stats = scanner.profiler.profile([v.card() for _ in range(50)])
    decision = judge.decide(CUSTOMERS, column("order_no", comment="订单号"), stats)
    assert (decision.entity, decision.evidence["decided_by"]) == ("BANK_CARD", "values")


def test_values_that_are_not_mobiles_weigh_down_a_mobile_name(
        judge: KnowledgeJudge, scanner: Scanner) -> None:
    stats = scanner.profiler.profile([f"A{i:07d}" for i in range(50)])
    decision = judge.decide(CUSTOMERS, column("sjhm"), stats)
    assert decision.entity is None
    assert decision.evidence["rejected"]["entity"] == "CN_MOBILE"


def test_masked_values_do_not_refute_a_mobile_name(judge: KnowledgeJudge,
                                                   scanner: Scanner) -> None:
    stats = scanner.profiler.profile([f"138****{i:04d}" for i in range(50)])
    assert judge.decide(CUSTOMERS, column("sjhm"), stats).entity == "CN_MOBILE"


def test_values_pick_the_document_a_document_number_column_holds(
        judge: KnowledgeJudge, scanner: Scanner) -> None:
    v = Values(2)
    stats = scanner.profiler.profile([v.passport() for _ in range(50)])
    assert judge.decide(CUSTOMERS, column("zjhm", comment="证件号码"), stats).entity == \
        "CN_PASSPORT"


def test_a_free_text_column_quoting_ids_in_some_rows_is_flagged(
        judge: KnowledgeJudge, scanner: Scanner) -> None:
    v = Values(3)
    remarks = [f"客户来电，身份证号{v.resident_id()}，已核实" if i % 20 == 0
               else "客户来电咨询账单分期" for i in range(200)]
    decision = judge.decide(CUSTOMERS, column("remark", "VARCHAR(500)", "text", 500, "备注"),
                            scanner.profiler.profile(remarks))
    assert (decision.entity, decision.evidence["decided_by"]) == ("CN_RESIDENT_ID", "contains")


def test_a_decision_carries_category_tier_confidence_and_evidence(
        judge: KnowledgeJudge) -> None:
    decision = judge.decide(CUSTOMERS, column("mm", comment="交易密码"), None)
    assert (decision.entity, decision.category, decision.tier) == \
        ("AUTH_SECRET", "authentication_secret", "C3")
    assert 0.5 <= decision.confidence <= 1.0
    assert decision.evidence["comment"]["words"] == ["交易密码"]


def test_value_statistics_never_hold_values(scanner: Scanner) -> None:
    profiler: ValueProfiler = scanner.profiler
    evidence = profiler.profile(["13812345678", "张三"]).to_evidence()
    assert "13812345678" not in repr(evidence)
    assert "张三" not in repr(evidence)
