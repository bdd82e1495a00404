// Usage:
//   node txn.js <bootstrap> produce <topic> <transactionalId> <n>
//     one transaction of <n> values "committed-1-i" committed, one of <n> "aborted-i" aborted, one of <n>
//     "committed-2-i" plus "last" committed; prints "kafkajs txn produced".
//   node txn.js <bootstrap> transform <input> <output> <groupId> <transactionalId> <n>
//     consume-transform-produce: reads <n> values of <input> in consumer group <groupId> (no auto commit),
//     writes "out-<value>" for each to <output> and commits the group's offsets through the same transaction
//     (sendOffsets); prints "offsets: {partition: next offset, ...}" as JSON.
// The topics must exist. Any error exits with status 1.
const { Kafka, logLevel } = require('kafkajs');

async function produce(kafka, topic, transactionalId, n) {
  const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const batch = async (prefix, end) => {
    const transaction = await producer.transaction();
    try {
      const messages = [];
      for (let i = 0; i < n; i++) messages.push({ key: `k${i}`, value: `${prefix}-${i}` });
      if (end === 'last') messages.push({ key: 'k0', value: 'last' });
      await transaction.send({ topic, messages });
    } catch (e) {
      await transaction.abort();
      throw e;
    }
    if (end === 'abort') await transaction.abort(); else await transaction.commit();
  };
  await batch('committed-1', 'commit');
  await batch('aborted', 'abort');
  await batch('committed-2', 'last');
  await producer.disconnect();
  console.log('kafkajs txn produced');
}

async function transform(kafka, input, output, groupId, transactionalId, n) {
  const consumer = kafka.consumer({ groupId });
  const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1 });
  await Promise.all([consumer.connect(), producer.connect()]);
  await consumer.subscribe({ topic: input, fromBeginning: true });
  const consumed = [];
  const next = {};
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`consumed only ${consumed.length} of ${n}`)), 30000);
    consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        if (consumed.length >= n) return;
        consumed.push(message.value.toString());
        next[partition] = (BigInt(message.offset) + 1n).toString();
        if (consumed.length === n) {
          consumer.pause([{ topic }]);
          clearTimeout(timer);
          resolve();
        }
      },
    }).catch(reject);
  });

  const transaction = await producer.transaction();
  try {
    await transaction.send({ topic: output, messages: consumed.map((value) => ({ value: `out-${value}` })) });
    await transaction.sendOffsets({
      consumerGroupId: groupId,
      topics: [{ topic: input, partitions: Object.entries(next).map(([partition, offset]) => ({ partition: Number(partition), offset })) }],
    });
  } catch (e) {
    await transaction.abort();
    throw e;
  }
  await transaction.commit();
  await consumer.disconnect();
  await producer.disconnect();
  console.log(`offsets: ${JSON.stringify(next)}`);
}

async function main() {
  const [bootstrap, mode, ...args] = process.argv.slice(2);
  const kafka = new Kafka({ clientId: 'cairn-kafkajs-txn', brokers: [bootstrap], logLevel: logLevel.WARN });
  if (mode === 'produce') {
    const [topic, transactionalId, n] = args;
    await produce(kafka, topic, transactionalId, Number(n));
  } else if (mode === 'transform') {
    const [input, output, groupId, transactionalId, n] = args;
    await transform(kafka, input, output, groupId, transactionalId, Number(n));
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
