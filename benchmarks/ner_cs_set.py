"""The financial customer-service evaluation set: seeded, with its own templates.

None of these templates is used for training (``training/ner_templates.py`` has those), and the
seed differs from the training seed; names and addresses are drawn from the same project
distributions, as real customers' names would be. ``cs_eval_set()`` returns the sentences with
gold spans (``PER`` and ``ADDR/<precision>/<coarse_end>``).
"""

from __future__ import annotations

import random

from pii_guard.detection.ner.surnames import SurnameTable
from training.ner_corpus import Fillers
from training.ner_lexicon import name_stats, read_jieba
from training.ner_synth import Composer, Sentence, render

EVAL_SEED = 777_001
TEMPLATES = [
    "致电客户{P}确认还款计划，客户同意每月还款{AMT}。",
    "{P}的车辆在{A}附近被追尾，已向保险公司报案。",
    "今日受理{P}的挂失申请，卡片已冻结。",
    "保单持有人{N}申请变更受益人为其女儿{N}。",
    "请核实{P}留存的通讯地址是否为{A}。",
    "{P}来电称手机银行无法登录，已指导其重置密码。",
    "邮寄地址更新为{A}，收件人{N}。",
    "{P}对{DATE}的扣费有异议，工单已转交后台。",
    "借款人{N}，共同借款人{N}，抵押物位于{A}。",
    "坐席回访{P}，确认其已收到理赔款{AMT}。",
    "{P}反映营业网点排队时间过长，网点地址为{A}。",
    "报案人{N}称被保险人{N}于{DATE}住院治疗。",
    "户名：{N}；开户行：{ORG}；账单地址：{A}",
    "{P}咨询{PROD}能否提前支取，已作答复。",
    "查勘员{N}在{A}完成现场查勘。",
    "本次通话中{P}情绪激动，要求主管{N}回电。",
    "{P}表示{NEG}，对处理速度很满意。",
    "{P}询问{PROD}的收益，对{NEG}有疑问。",
    "客户今天心情{NEG}，{P}说周末再来网点。",
    "核保意见已告知{P}，体检医院地址：{A}。",
    "{N}代办其父亲{N}的社保卡业务。",
    "投诉人：{N}，被投诉人：理财经理{N}。",
    "{P}名下的信用卡在{A}的商户发生异常交易。",
    "营业部已安排{P}在{DATE}上门办理，地址{A}。",
    "经核实，{P}提供的工作单位地址为{A}。",
    "{P}称未收到{DATE}寄出的保单，已补寄至{A}。",
    "请于三个工作日内回复{P}。",
    "方便的话请{P}提供最近三个月的流水。",
    "金额{AMT}已退回，{P}确认到账。",
    "白天无法接听电话，{P}希望晚上联系。",
]
NO_NAME = [
    "客户表示非常{NEG}，问题已经解决。",
    "本周末网点正常营业，{PROD}额度充足。",
    "退款金额为{AMT}，预计三个工作日到账。",
    "黄金积存业务暂停办理，方便时请再来电。",
    "这个游戏王国里有很多活动，张开双臂欢迎新客户。",
    "{ORG}提醒：{PROD}的到期日为{DATE}。",
    "客户来电咨询{PROD}，对{NEG}表示理解。",
    "{NEG}的问题已记录，工单转交{ORG}处理。",
    "系统升级期间{PROD}暂停申购，{NEG}。",
    "白天网点人多，建议通过手机银行办理。",
]


def cs_eval_set(size: int = 1500, seed: int = EVAL_SEED) -> list[Sentence]:
    rng = random.Random(seed)
    surnames = SurnameTable.default()
    entries = read_jieba()
    stats = name_stats(entries, surnames)
    composer = Composer(rng, surnames, stats)
    values = Fillers(rng, entries, set(surnames.single)).slot_values()
    out = []
    for _ in range(size):
        pool = NO_NAME if rng.random() < 0.08 else TEMPLATES
        out.append(render(rng.choice(pool), composer, values))
    return out
