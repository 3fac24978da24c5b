"""How a certificate's page is laid out (seed 004 §5.2), from the snapshot it certifies, and the
check that it can be printed at all before it is issued."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from models import Certificate, CertificateKind
from resolvers.certificates.fonts import GlyphMissing
from resolvers.certificates.page_plan import (
    MAX_PAGES,
    CertificateLayout,
    CertificateOverflow,
    Table,
)
from resolvers.certificates.provenance import (
    CHECKED_STATEMENT,
    legend,
    provenance_of,
    self_registered_count,
)
from resolvers.certificates.render import render_png
from resolvers.core.errors import DomainError, ErrorCode

_CAPTIONS = {
    CertificateKind.PROOF: "学习成果证明在线验证网址",
    CertificateKind.REPORT: "学习成果认证报告在线验证网址",
    CertificateKind.CONVERSION: "学习成果转换证明在线验证网址",
}
_ACHIEVEMENT_HEADERS = [
    "成果名称",
    "成果类型",
    "颁证机构",
    "个人成果编号",
    "颁证日期",
    "学分",
    "来源",
]
ACHIEVEMENTS_TITLE = "以下学习成果记录于学分银行，各项成果的来源见“来源”一栏："


def _achievement_rows(lines: list[dict[str, Any]]) -> list[list[str]]:
    return [
        [
            line["name"],
            line["subtype"] or line["category"],
            line["issuer"],
            line["certificateNumber"],
            line["issueDate"],
            line["credits"] or "—",
            provenance_of(line).label,
        ]
        for line in lines
    ]


def _target_text(target: dict[str, Any]) -> str:
    modules = target.get("exemptModules") or []
    text = f"{target['name']}（{target['kind']}，{target['issuer']}）"
    if modules:
        text += "免考模块：" + "、".join(f"{m['name']} {m['credits']}学分" for m in modules)
    return text


def layout_of(certificate: Certificate, verify_url: str, issuer_name: str) -> CertificateLayout:
    """What the page shows, from the snapshot the certificate was issued with."""
    snapshot = certificate.snapshot
    lines = snapshot["achievements"]
    tables = [
        Table(
            ACHIEVEMENTS_TITLE,
            _ACHIEVEMENT_HEADERS,
            _achievement_rows(lines),
        )
    ]
    rule = snapshot.get("rule")
    if rule is not None:
        sources = "；".join(line["name"] for line in lines)
        targets = "；".join(_target_text(t) for t in rule["targets"])
        tables.append(
            Table(
                "上述成果符合学分银行发布的转换规则：", ["源成果", "目标成果"], [[sources, targets]]
            )
        )
    elif "totalCredits" in snapshot:
        tables.append(Table("学分合计：", ["学分银行学分"], [[snapshot["totalCredits"]]]))
    own = self_registered_count(lines)
    warning = (
        f"本证明所列{len(lines)}项成果中有{own}项由学习者自行登记，未经颁证机构存入或确认"
        if own
        else ""
    )
    return CertificateLayout(
        title=certificate.kind.label,
        number=certificate.number,
        holder_name=snapshot["holder"]["name"],
        holder_id_number=snapshot["holder"]["idNumber"],
        tables=tables,
        rule_code=rule["code"] if rule is not None else None,
        verify_url=verify_url,
        verify_caption=_CAPTIONS[certificate.kind],
        issuer=issuer_name,
        issued_on=certificate.issued_on,
        valid_until=certificate.valid_until,
        status_note=warning,
        notes=["来源说明：", *legend(lines), CHECKED_STATEMENT, "本证明日期均为北京时间。"],
    )


async def rendered(
    render: Callable[[CertificateLayout], bytes], layout: CertificateLayout
) -> bytes:
    """The pages drawn by ``render`` in a worker thread (never on the event loop); content that
    cannot be laid out or a character the font cannot draw is a clear error, never a broken
    page."""
    try:
        return await asyncio.to_thread(render, layout)
    except CertificateOverflow:
        raise DomainError.of(
            ErrorCode.INVALID,
            f"所选成果过多，证明超过{MAX_PAGES}页，请减少所选成果",
            "achievementIds",
        ) from None
    except GlyphMissing as error:
        raise DomainError.of(
            ErrorCode.INVALID, f"证明中的字符“{error.character}”无法打印，请联系学分银行"
        ) from None


async def check_printable(layout: CertificateLayout) -> None:
    """Draw the pages once to refuse, before anything is issued, what cannot be printed."""
    await rendered(render_png, layout)
