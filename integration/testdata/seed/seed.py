"""The replaced system's client code paths, driven by integration/amqp_test.go.

The system logpulse replaces publishes {"timestamp", "level", "message"} JSON
to a RabbitMQ queue with aio-pika, posts the same JSON to an aiohttp server's
POST /log, and reads a level back from a CSV with pandas. This script does
each of those with the same libraries (requirements.txt):

  seed.py publish URL QUEUE FIRST COUNT RATE BASE [noid]  aio-pika,
      connect_robust, persistent messages with message ids m<i> (none with
      noid), each published until RabbitMQ confirms it (a restart of
      RabbitMQ mid-stream is retried)
  seed.py post URL FIRST COUNT BASE                aiohttp, POST /log, one event each
  seed.py query URL                                pandas.read_csv(URL)

Event i has level LEVELS[i % 3] and timestamp BASE + i * 0.01 (unix seconds).
Each prints one JSON line with what it did.
"""
import asyncio
import json
import sys
import time

LEVELS = ["INFO", "WARN", "ERROR"]


def event(i, base):
    return {"timestamp": base + i * 0.01, "level": LEVELS[i % 3], "message": f"user {i % 97} did thing {i}"}


async def publish(url, queue, first, count, rate, base, ids=True):
    import aio_pika

    connection = await aio_pika.connect_robust(url, reconnect_interval=0.2)
    channel = await connection.channel()  # publisher confirms are on by default
    await channel.declare_queue(queue, durable=True)
    retries = 0
    started = time.monotonic()
    for n, i in enumerate(range(first, first + count)):
        if rate > 0:
            ahead = started + n / rate - time.monotonic()
            if ahead > 0:
                await asyncio.sleep(ahead)
        msg = aio_pika.Message(
            json.dumps(event(i, base)).encode(),
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=f"m{i}" if ids else None,
        )
        while True:
            try:
                await channel.default_exchange.publish(msg, routing_key=queue, timeout=5)
                break
            except Exception:  # RabbitMQ restarting: the robust connection comes back
                retries += 1
                await asyncio.sleep(0.2)
    await connection.close()
    print(json.dumps({"published": count, "retries": retries}))


async def post(url, first, count, base):
    import aiohttp

    ok = 0
    async with aiohttp.ClientSession() as session:
        for i in range(first, first + count):
            async with session.post(url, json=event(i, base)) as resp:
                text = await resp.text()
                if resp.status != 200 or text != "OK":
                    raise SystemExit(f"POST {url}: {resp.status} {text!r}, want 200 'OK'")
                ok += 1
    print(json.dumps({"posted": ok}))


def query(url):
    import pandas

    df = pandas.read_csv(url)
    print(json.dumps({
        "columns": list(df.columns),
        "rows": int(len(df)),
        "levels": sorted(df["level"].unique().tolist()) if "level" in df else [],
        "first": {k: str(v) for k, v in df.iloc[0].items()} if len(df) else {},
    }))


def main(argv):
    cmd = argv[1]
    if cmd == "publish":
        url, queue, first, count, rate, base = argv[2:8]
        ids = argv[8:9] != ["noid"]
        asyncio.run(publish(url, queue, int(first), int(count), float(rate), float(base), ids))
    elif cmd == "post":
        url, first, count, base = argv[2:6]
        asyncio.run(post(url, int(first), int(count), float(base)))
    elif cmd == "query":
        query(argv[2])
    else:
        raise SystemExit(f"unknown command {cmd}: publish, post or query")


if __name__ == "__main__":
    main(sys.argv)
