"""The public verify page ``/verify/<number>`` (what a certificate's QR code opens: mobile first,
Chinese, no login) and the same answer as JSON at ``/api/verify/<number>`` for institution
systems. Both are rate-limited per address."""

from __future__ import annotations

from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from graphql_api.context import Services, client_address
from resolvers.certificates.lifecycle import CertificateStatus
from resolvers.certificates.provenance import (
    CHECKED_STATEMENT,
    provenance_of,
    self_registered_count,
)
from resolvers.certificates.verification import Verification, verify
from resolvers.core.clock import BEIJING_TIME, beijing_text
from resolvers.core.errors import DomainError

_HEADERS = {
    "Cache-Control": "no-store",  # a revocation shows at once
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_COLOURS = {
    CertificateStatus.VALID: "#1a7f37",
    CertificateStatus.EXPIRED: "#9a6700",
    CertificateStatus.REVOKED: "#cf222e",
    CertificateStatus.NOT_FOUND: "#57606a",
}
_HEADLINES = {
    CertificateStatus.VALID: "证明真实有效",
    CertificateStatus.EXPIRED: "证明真实，但已过有效期",
    CertificateStatus.REVOKED: "证明已撤销",
    CertificateStatus.NOT_FOUND: "未找到该编号的证明",
}
# A certificate listing what learners registered themselves vouches for its own issue only.
_OWN_HEADLINES = {
    CertificateStatus.VALID: "证明有效：含学习者自行登记的成果",
    CertificateStatus.EXPIRED: "证明已过有效期：含学习者自行登记的成果",
    CertificateStatus.REVOKED: "证明已撤销",
}


_RETRY_AFTER = "60"  # seconds; the verify limit counts per minute
_REFUSED_HEADERS = {**_HEADERS, "Retry-After": _RETRY_AFTER}


class _Refused(Exception):
    """The verify throttle refused this address; each route answers in its own format."""


async def _answer(request: Request, channel: str) -> Verification:
    services: Services = request.app.state.services
    address = client_address(request, services.settings.trusted_proxies)
    try:
        await services.throttle.hit("verify", address)
    except DomainError as error:
        raise _Refused(str(error)) from None
    return await verify(request.path_params["number"], channel, services.verifications)


async def verify_json(request: Request) -> Response:
    try:
        answer = await _answer(request, "json")
    except _Refused as refused:
        return JSONResponse({"error": str(refused)}, status_code=429, headers=_REFUSED_HEADERS)
    services: Services = request.app.state.services
    body = answer.as_json(services.issuer.verify_url(answer.number))
    status = 404 if answer.status == CertificateStatus.NOT_FOUND else 200
    return JSONResponse(body, status_code=status, headers=_HEADERS)


def _rows(pairs: list[tuple[str, str]]) -> str:
    return "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in pairs)


def _content(body: dict[str, Any]) -> str:
    content = body["content"]
    holder = content["holder"]
    parts = [
        "<h2>持有人</h2><table>",
        _rows([("姓名", holder["name"]), ("身份证号", holder["idNumber"])]),
        "</table><h2>证明的学习成果</h2>",
    ]
    for line in content["achievements"]:
        own = provenance_of(line).self_registered
        typed = "（学习者填写）" if own else ""
        pairs = [
            ("成果名称", line["name"]),
            ("成果来源", line["provenanceLabel"]),
            ("来源说明", line["provenanceNote"]),
            ("成果类型", line["subtype"] or line["category"]),
            ("颁证机构" + typed, line["issuer"]),
            ("个人成果编号" + typed, line["certificateNumber"]),
            ("颁证日期" + typed, line["issueDate"]),
        ]
        if line.get("credits"):
            pairs.append(("学分银行学分", line["credits"]))
        kind = "own" if own else "vouched"
        parts.append(
            f"<table class='item' data-provenance='{escape(line['provenance'])}' "
            f"data-kind='{kind}'>{_rows(pairs)}</table>"
        )
    rule = content.get("rule")
    if rule:
        targets = "；".join(t["name"] for t in rule["targets"])
        parts.append("<h2>转换</h2><table>")
        parts.append(_rows([("转换规则编码", rule["code"]), ("目标成果", targets)]))
        parts.append("</table>")
    if content.get("totalCredits"):
        parts.append(f"<p>学分合计：{escape(content['totalCredits'])}</p>")
    return "".join(parts)


def _page(answer: Verification, body: dict[str, Any]) -> str:
    colour = _COLOURS[answer.status]
    headline = _HEADLINES[answer.status]
    notice = ""
    details = ""
    if answer.certificate is not None:
        lines = body["content"]["achievements"]
        own = self_registered_count(lines)
        if own:
            headline = _OWN_HEADLINES[answer.status]
            notice = (
                f"<p class='notice'>本证明所列{len(lines)}项成果中有{own}项由学习者本人登记，"
                "颁证机构未存入或确认，个人成果编号和颁证日期由学习者填写。"
                "如需核实，请联系颁证机构。</p>"
            )
        facts = [
            ("证明类型", body["kindLabel"]),
            ("报告编号", body["number"]),
            ("开具日期", body["issuedOn"]),
            ("有效期至", body["validUntil"]),
        ]
        if answer.status == CertificateStatus.REVOKED:
            revoked_at = answer.certificate.revoked_at
            when = beijing_text(revoked_at) if revoked_at else ""
            facts += [("撤销时间", when), ("撤销原因", body["revokedReason"] or "")]
        details = f"<table>{_rows(facts)}</table>{_content(body)}"
    else:
        details = f"<p>编号：{escape(answer.number)}。请核对证明上的编号后重试。</p>"
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>学分银行证明验证 · {escape(answer.status_label)}</title>
<style>
body{{margin:0;font:16px/1.6 -apple-system,"PingFang SC","Noto Sans CJK SC",sans-serif;
background:#f6f8fa;color:#1f2328}}
main{{max-width:640px;margin:0 auto;padding:16px}}
.status{{background:{colour};color:#fff;border-radius:12px;padding:20px;text-align:center}}
.status h1{{margin:0;font-size:22px}} .status p{{margin:4px 0 0}}
table{{width:100%;border-collapse:collapse;background:#fff;margin:12px 0;border-radius:8px}}
th,td{{padding:8px 10px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top}}
th{{width:7.5em;color:#57606a;font-weight:normal}} h2{{font-size:17px;margin:20px 0 4px}}
footer{{color:#57606a;font-size:13px;margin-top:24px}}
.notice{{background:#fff8c5;border:1px solid #d4a72c;border-radius:8px;padding:10px 12px}}
</style></head>
<body><main>
<div class="status" data-status="{answer.status}"><h1>{escape(headline)}</h1>
<p>{escape(answer.status_label)}</p></div>
{notice}
{details}
<footer><p>{escape(CHECKED_STATEMENT)}</p>
<p>学分银行在线验证。本页日期、时间均为{BEIJING_TIME}。本页仅显示脱敏后的持有人信息；
签名凭证可用学分银行公布的公钥（/.well-known/jwks.json）离线核验。</p></footer>
</main></body></html>"""


_BUSY_PAGE = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>学分银行证明验证 · 请稍后再试</title>
<style>
body{{margin:0;font:16px/1.6 -apple-system,"PingFang SC","Noto Sans CJK SC",sans-serif;
background:#f6f8fa;color:#1f2328}}
main{{max-width:640px;margin:0 auto;padding:16px}}
.status{{background:#57606a;color:#fff;border-radius:12px;padding:20px;text-align:center}}
.status h1{{margin:0;font-size:22px}}
</style></head>
<body><main>
<div class="status" data-status="busy"><h1>验证请求过于频繁</h1></div>
<p>此刻来自您网络的验证请求较多，本次未能查询。请约{_RETRY_AFTER}秒后刷新本页或重新扫码，
证明本身不受影响。</p>
</main></body></html>"""


async def verify_page(request: Request) -> Response:
    try:
        answer = await _answer(request, "page")
    except _Refused:
        return HTMLResponse(_BUSY_PAGE, status_code=429, headers=_REFUSED_HEADERS)
    services: Services = request.app.state.services
    body = answer.as_json(services.issuer.verify_url(answer.number))
    status = 404 if answer.status == CertificateStatus.NOT_FOUND else 200
    return HTMLResponse(_page(answer, body), status_code=status, headers=_HEADERS)
