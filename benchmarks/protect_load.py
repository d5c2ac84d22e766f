"""``POST /v1/protect`` under load, over real HTTP, from a separate process.

Starts ``pii-guard serve --workers 2`` on a new PostgreSQL database (audit durable: every
answer waits for its event's commit), seeds the demo organisation, then drives it from this
process with a small keep-alive HTTP/1.1 client on asyncio (cheaper per request than httpx,
so the load generator takes as little as possible of the two cores it shares with the
server). Two payloads: a 1 KB customer record and a 2 KB customer-service note.

For each payload it prints:
- closed loop (``--concurrency`` connections, each sending its next request when the last
  answer arrives) for ``--duration`` seconds: requests per second, p50 and p99 latency;
- open loop at ``--rate`` requests per second (requests are sent on schedule whatever the
  server does; latency is measured from the scheduled time, so a stall is not hidden): p50,
  p99 and the share of non-200 answers;
- beside them, Presidio's ``AnalyzerEngine`` in-process on the same note (documents per
  second; detection only, no decision, treatment or audit), and the ratio.

Run: .venv/bin/python -m benchmarks.protect_load [--duration 15] [--rate 500]
     [--concurrency 32] [--workers 2] [--no-presidio]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE = "piig_bench_protect"
KEK = "K" * 43 + "="  # a fixed benchmark key (base64 of 32 bytes)
CLI = str(Path(sys.executable).with_name("pii-guard"))

RECORD = {
    "customer_id": "C0001", "name": "张三", "id_no": "110105198806151238",
    "mobile": "13812345678", "bank_card": "6222021234567890128",
    "address": "上海市浦东新区世纪大道100号1幢1201室", "card_pin": "654321",
    "email": "zhang.san@example.com", "birth_date": "1988-06-15", "gender": "男",
    "occupation": "工程师", "branch": "上海分行营业部", "account_manager": "E10234",
    "product": "个人住房贷款", "risk_level": "R2", "opened_at": "2019-03-21",
    "note": "客户张三来电，手机13812345678，要求修改地址。已核实身份，预约下周二到网点办理。",
    "emergency_contact": {"name": "李四", "relation": "配偶", "mobile": "13987654321"},
    "employer": {"name": "上海某某科技有限公司", "address": "上海市徐汇区漕溪北路88号",
                 "phone": "021-62345678"},
    "policies": [{"policy_no": "P2023110512345678", "product": "终身寿险", "status": "有效"}],
    "kyc": {"verified_at": "2023-11-05T10:21:00+08:00", "channel": "counter", "level": "L3"},
}
NOTE = ("客户张三（身份证110105198806151238）于今日上午来电，称其尾号0128的借记卡"
        "6222021234567890128在异地发生一笔未授权交易，金额人民币5,000元。客户手机13812345678，"
        "现居上海市浦东新区世纪大道100号1幢1201室。已为客户办理临时挂失，并告知需于七日内携带"
        "本人有效身份证件到网点办理正式挂失及补卡手续。客户另要求将联系邮箱更新为"
        "zhang.san@example.com。客户情绪平稳，对处理结果表示满意。"
        "\n回访记录：次日下午由客服专员王芳致电客户13812345678进行回访，客户确认已收到挂失回执，"
        "并表示已于当日到上海市浦东新区陆家嘴环路1000号网点提交补卡申请。客户询问补卡期间能否"
        "使用手机银行转账，专员告知需待新卡激活后重新绑定。客户另提供其配偶李四的联系电话"
        "13987654321作为紧急联系人，并申请将账单寄送地址变更为北京市海淀区中关村大街27号1101室。"
        "专员已按流程记录变更申请，提示客户变更将在三个工作日内生效，期间如有疑问可拨打"
        "客服热线95588或发送邮件至service@example.com咨询。本次回访用时约八分钟，客户满意度评价为"
        "非常满意。"
        "\n复核意见：经核查，该笔未授权交易发生于2026年11月20日23时14分，交易地点为广东省深圳市"
        "南山区，交易终端号为10452301，与客户常用地不符。风控部门已将该交易标记为疑似盗刷并"
        "提交发卡行调查，调查结果预计十五个工作日内反馈。客户身份证110105198806151238的"
        "影像资料已由柜员核验无误。请相关岗位在处理过程中严格遵守客户信息保护规定，不得"
        "以任何形式对外提供客户的身份证号、银行卡号、手机号码及住址等个人信息。如需调阅完整"
        "信息，须按分级授权流程提交申请，经数据管理员审批后方可查看，所有查询均记录在案。")


@dataclass
class Result:
    latencies: list[float]
    errors: int
    elapsed: float

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.elapsed

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0


class Connection:
    """One keep-alive HTTP/1.1 connection: one request at a time, Content-Length bodies."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def send(self, request: bytes) -> int:
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        return status


def request_bytes(port: int, key: str, body: dict[str, object]) -> bytes:
    payload = json.dumps(body, ensure_ascii=False).encode()
    return (f"POST /v1/protect HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n").encode() + payload


async def closed_loop(port: int, request: bytes, concurrency: int, duration: float) -> Result:
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + duration

    async def worker() -> None:
        nonlocal errors
        connection = await Connection.open(port)
        while time.perf_counter() < stop:
            started = time.perf_counter()
            status = await connection.send(request)
            if status == 200:
                latencies.append(time.perf_counter() - started)
            else:
                errors += 1
        connection.writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Result(latencies, errors, time.perf_counter() - started)


async def open_loop(port: int, request: bytes, rate: float, duration: float,
                    pool_size: int = 64) -> Result:
    """Requests on a fixed schedule; latency counts from the scheduled send time."""
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(pool_size):
        pool.put_nowait(await Connection.open(port))
    latencies: list[float] = []
    errors = 0

    async def one(scheduled: float) -> None:
        nonlocal errors
        connection = await pool.get()
        try:
            status = await connection.send(request)
        finally:
            pool.put_nowait(connection)
        if status == 200:
            latencies.append(time.perf_counter() - scheduled)
        else:
            errors += 1

    interval = 1.0 / rate
    begin = time.perf_counter()
    tasks = []
    for i in range(int(rate * duration)):
        scheduled = begin + i * interval
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(scheduled)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - begin
    while not pool.empty():
        pool.get_nowait().writer.close()
    return Result(latencies, errors, elapsed)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fresh_database() -> str:
    engine = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    engine.dispose()
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{DATABASE}"


def drop_database() -> None:
    engine = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
    engine.dispose()


def start_service(workers: int,
                  workdir: Path) -> tuple[subprocess.Popen[bytes], int, dict[str, str]]:
    url = fresh_database()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PII_GUARD_")}
    env.update(PII_GUARD_DATABASE_URL=url, PII_GUARD_KEY_ENCRYPTION_KEY=KEK)
    keys_file = workdir / "keys.json"
    subprocess.run([CLI, "demo", "seed", "--keys-out", str(keys_file)], env=env, check=True,
                   capture_output=True)
    keys = json.loads(keys_file.read_text())
    port = free_port()
    process = subprocess.Popen([CLI, "serve", "--port", str(port), "--workers", str(workers)],
                               env=env, cwd=workdir, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process, port, keys
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("the service did not become ready")


def presidio_docs_per_second(repeats: int = 30) -> float:
    """Presidio's analyzer with its predefined recognisers on a blank spaCy pipeline (no
    model download), in this process: detection only."""
    from pii_guard.detection.presidio_compat import analyzer_engine

    engine = analyzer_engine()
    engine.analyze(NOTE, language="en")
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        engine.analyze(NOTE, language="en")
        times.append(time.perf_counter() - started)
    return 1.0 / statistics.median(times)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-presidio", action="store_true")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="piig-load-"))
    process, port, keys = start_service(args.workers, workdir)
    key = keys["crm-service"]
    payloads = {
        "1 KB record": {"purpose": "customer_service", "subject_id": "C0001", "record": RECORD},
        "2 KB note": {"purpose": "customer_service", "subject_id": "C0001", "text": NOTE},
    }
    print(f"pii-guard serve --workers {args.workers} on PostgreSQL, audit durable; "
          f"load from one asyncio process; {os.cpu_count()} cores; "
          f"load average {os.getloadavg()[0]:.2f}")
    try:
        for name, body in payloads.items():
            size = len(json.dumps(body, ensure_ascii=False).encode())
            request = request_bytes(port, key, body)
            asyncio.run(closed_loop(port, request, 8, 2.0))  # warm-up
            closed = asyncio.run(closed_loop(port, request, args.concurrency, args.duration))
            opened = asyncio.run(open_loop(port, request, args.rate, args.duration))
            print(f"{name} ({size:,} bytes of JSON):")
            print(f"  closed loop, {args.concurrency} connections: {closed.rps:,.0f} req/s, "
                  f"p50 {closed.pct(0.5):.1f} ms, p99 {closed.pct(0.99):.1f} ms, "
                  f"errors {closed.errors}")
            print(f"  open loop at {args.rate:.0f} req/s: achieved {opened.rps:,.0f} req/s, "
                  f"p50 {opened.pct(0.5):.1f} ms, p99 {opened.pct(0.99):.1f} ms, "
                  f"errors {opened.errors}")
            if name == "2 KB note" and not args.no_presidio:
                presidio = presidio_docs_per_second()
                print(f"  Presidio AnalyzerEngine in-process on the same note: "
                      f"{presidio:,.0f} docs/s; pii-guard over HTTP, audited: "
                      f"{closed.rps / presidio:,.1f}x")
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        drop_database()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
