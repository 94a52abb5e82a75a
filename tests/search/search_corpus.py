"""The hand-written search corpus (not cut from any reference set), shared by the search tests."""

from __future__ import annotations

from panhuo.patents import numbers
from panhuo.patents.models import Patent

CORPUS = [
    ("一种锂离子电池正极材料的回收方法", "本发明公开了一种锂离子电池正极材料的回收方法，将废旧电池拆解后的正极片进行酸浸出，"
     "回收钴、镍和锂，回收率高，环境污染小。", "H01M10/54", "330100", "valid"),
    ("一种固态电解质及其制备方法", "本发明涉及一种用于全固态锂电池的硫化物固态电解质，具有高离子电导率，制备工艺简单。",
     "H01M10/0562", "320100", "valid"),
    ("一种基于深度学习的图像识别方法", "本发明提供一种基于卷积神经网络的图像识别方法，对输入图像进行特征提取和分类，"
     "识别准确率高。", "G06V10/82", "110100", "pending"),
    ("一种污水处理用曝气装置", "本实用新型公开了一种污水处理用曝气装置，包括曝气管和鼓风机，提高了溶解氧的利用率。",
     "C02F3/20", "330200", "valid"),
    ("一种小麦抗旱品种的培育方法", "本发明涉及农业育种领域，通过杂交和分子标记辅助选择培育抗旱小麦新品种。",
     "A01H1/02", "410100", "lapsed"),
    ("一种光伏组件清洁机器人", "本发明公开了一种光伏组件清洁机器人，沿光伏板边框行走，利用毛刷和喷水清洁组件表面灰尘。",
     "H02S40/10", "330100", "valid"),
    ("Lithium battery thermal management system", "A thermal management system for lithium-ion battery packs uses "
     "liquid cooling plates and temperature sensors to keep cells within a safe range.", "H01M10/613", "440300",
     "valid"),
    ("一种數控機床主軸冷卻裝置", "本發明公開了一種數控機床主軸冷卻裝置，採用循環冷卻液降低主軸溫度，提高加工精度。",
     "B23Q11/12", "370200", "valid"),
]


def add_patent(session, serial: int, title: str, abstract: str, ipc: str, region: str, status: str) -> Patent:
    number = numbers.parse_application_number(f"2023100{serial:05d}").canonical
    patent = Patent(application_no=number, title=title, abstract=abstract, ipc_main=ipc, ipc_all=[ipc],
                    region_code=region, legal_status=status)
    session.add(patent)
    return patent
