// Usage: node read.js <bootstrap> <topic> <readUncommitted: true|false> <last value>
// Reads the topic from the beginning in a fresh consumer group until it sees <last value>, then prints
// every value it received, in order, as one JSON line: "values: [...]".
const { Kafka, logLevel } = require('kafkajs');

async function main() {
  const [bootstrap, topic, readUncommitted, last] = process.argv.slice(2);
  const kafka = new Kafka({ clientId: 'cairn-kafkajs-read', brokers: [bootstrap], logLevel: logLevel.WARN });
  const consumer = kafka.consumer({ groupId: `${topic}-read-${readUncommitted}`, readUncommitted: readUncommitted === 'true' });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not see ${last}; got ${JSON.stringify(values)}`)), 30000);
    consumer.run({
      eachMessage: async ({ message }) => {
        const value = message.value.toString();
        values.push(value);
        if (value === last) { clearTimeout(timer); resolve(); }
      },
    });
  });
  await consumer.disconnect();
  console.log(`values: ${JSON.stringify(values)}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
