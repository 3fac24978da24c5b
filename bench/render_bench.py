"""Certificate rendering against the bare QR code of the same URL, in one run.

    .venv/bin/python -m bench.render_bench [--repeat 50]

- qr: ``qr_png``, the QR of the verify URL as a PNG, nothing else: the baseline;
- png: ``render_png`` of the 转换证明 of seed 004 §5.2 (two tables, the rule, QR, issuer, date);
- pdf: ``render_pdf`` of the same certificate;
- proof-20: ``render_png`` of a 学习成果证明 listing 20 achievements;
- cold png: the first ``render_png`` of a fresh process (the font opened, its cmap read, every
  glyph rasterised once), measured in a child process.

Each is the fastest of ``--repeat`` runs after one warm-up (the cold one: the fastest of five
processes). Prints milliseconds and the ratio to qr. Target: png ≤ 3 × qr.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date

from resolvers.certificates.page_plan import CertificateLayout, Table
from resolvers.certificates.render import qr_png, render_pdf, render_png

URL = "https://creditbank.example.cn/verify/7KQ2-M9XD-4TPA-WB3H-R"
TARGET = 3.0


def _conversion() -> CertificateLayout:
    return CertificateLayout(
        title="转换证明",
        number="7KQ2-M9XD-4TPA-WB3H-R",
        holder_name="张小明",
        holder_id_number="371083200009087654",
        tables=[
            Table(
                "以下学习成果，已经通过学分银行校验：",
                ["课程名称", "课程代码", "课程成绩", "原始学时", "原始学分"],
                [["课程成果-职业教育学历课程", "cc", "66", "—", "—"]],
            ),
            Table(
                "上述成果符合学分银行发布的转换规则：",
                ["源成果", "目标成果"],
                [
                    [
                        "院校：试点院校测试 专业课程：课程成果-职业教育学历课程（成绩：60）",
                        "成果名称：测试机构导入其他非学历证书4 成果类型：非学历成果 "
                        "颁证机构：一级网点非院校机构",
                    ]
                ],
            ),
        ],
        rule_code="202201240004",
        verify_url=URL,
        verify_caption="学习成果转换证明在线验证网址",
        issuer="职业教育国家学分银行",
        issued_on=date(2022, 3, 4),
        valid_until=date(2022, 6, 2),
    )


def _proof(rows: int) -> CertificateLayout:
    headers = ["成果名称", "成果类型", "颁证机构", "个人成果编号", "颁证日期", "学分"]
    lines = [
        [f"课程{i}：高等数学与应用", "学历课程", "南京大学", f"NJU-2021-{i:06d}", "2021-06-30", "4"]
        for i in range(rows)
    ]
    conversion = _conversion()
    return CertificateLayout(
        title="学习成果证明",
        number=conversion.number,
        holder_name=conversion.holder_name,
        holder_id_number=conversion.holder_id_number,
        tables=[Table("以下学习成果，已经通过学分银行校验：", headers, lines)],
        rule_code=None,
        verify_url=URL,
        verify_caption="学习成果证明在线验证网址",
        issuer="学分银行",
        issued_on=date(2022, 3, 4),
        valid_until=date(2022, 6, 2),
    )


def _best(action: Callable[[], object], repeat: int) -> float:
    action()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def _cold_child() -> None:
    layout = _conversion()
    started = time.perf_counter()
    render_png(layout)
    print(json.dumps({"seconds": time.perf_counter() - started}))


def _cold(processes: int) -> float:
    command = [sys.executable, "-m", "bench.render_bench", "--cold"]
    runs = [
        json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        for _ in range(processes)
    ]
    return min(run["seconds"] for run in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--cold", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.cold:
        _cold_child()
        return
    conversion, proof = _conversion(), _proof(20)
    results = {
        "qr": _best(lambda: qr_png(URL), arguments.repeat),
        "png": _best(lambda: render_png(conversion), arguments.repeat),
        "pdf": _best(lambda: render_pdf(conversion), arguments.repeat),
        "proof-20": _best(lambda: render_png(proof), arguments.repeat),
        "cold png": _cold(5),
    }
    sizes = {
        "qr": len(qr_png(URL)),
        "png": len(render_png(conversion)),
        "pdf": len(render_pdf(conversion)),
        "proof-20": len(render_png(proof)),
        "cold png": len(render_png(conversion)),
    }
    print(f"best of {arguments.repeat}, verify URL of {len(URL)} characters\n")
    print(f"{'':10} {'ms':>8} {'× qr':>7} {'kB':>7}")
    for name, seconds in results.items():
        ratio = seconds / results["qr"]
        print(f"{name:10} {seconds * 1000:>8.2f} {ratio:>7.2f} {sizes[name] / 1000:>7.1f}")
    ratio = results["png"] / results["qr"]
    verdict = "met" if ratio <= TARGET else "missed"
    print(f"\ncertificate PNG / bare QR PNG: {ratio:.2f}× (target ≤ {TARGET:.0f}×: {verdict})")


if __name__ == "__main__":
    main()
