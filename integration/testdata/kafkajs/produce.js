// Produces the records given on stdin (a JSON array of {key, value}) to the
// topic named by argv: a real Node Kafka client for logpulse's tests.
// Usage: node produce.js BROKER[,BROKER] TOPIC < records.json
"use strict";
const { Kafka, logLevel } = require("kafkajs");

async function main() {
  const [brokers, topic] = process.argv.slice(2);
  let input = "";
  for await (const chunk of process.stdin) input += chunk;
  const records = JSON.parse(input);
  const kafka = new Kafka({ clientId: "logpulse-test", brokers: brokers.split(","), logLevel: logLevel.WARN });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (let i = 0; i < records.length; i += 500) {
    await producer.send({
      topic,
      acks: -1,
      messages: records.slice(i, i + 500).map(r => ({ key: r.key ?? null, value: r.value })),
    });
  }
  await producer.disconnect();
  console.log(`kafkajs produced ${records.length} records`);
}

main().catch(err => { console.error(err); process.exit(1); });
