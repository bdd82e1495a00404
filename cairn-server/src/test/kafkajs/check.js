// Usage: node check.js <bootstrap> <topic> [--consume]
// Creates the topic, produces 100 keyed records with headers (idempotent, gzip for half),
// checks the end offsets, and with --consume reads them back in a consumer group.
// Security, from the environment:
//   CHECK_SSL_CA=file.pem                       TLS, trusting that certificate
//   CHECK_SSL_PFX=file.p12 CHECK_SSL_PASSPHRASE  with this client certificate (mutual TLS)
//   CHECK_SASL=mechanism:user:password           SASL (plain, scram-sha-256, scram-sha-512)
const fs = require('fs');
const { Kafka, CompressionTypes, logLevel } = require('kafkajs');

function security(env) {
  const options = {};
  if (env.CHECK_SSL_CA) {
    options.ssl = { ca: [fs.readFileSync(env.CHECK_SSL_CA)] };
    if (env.CHECK_SSL_PFX) {
      options.ssl.pfx = fs.readFileSync(env.CHECK_SSL_PFX);
      options.ssl.passphrase = env.CHECK_SSL_PASSPHRASE;
    }
  }
  if (env.CHECK_SASL) {
    const [mechanism, username, ...password] = env.CHECK_SASL.split(':');
    options.sasl = { mechanism, username, password: password.join(':') };
  }
  return options;
}

async function main() {
  const [bootstrap, topic, mode] = process.argv.slice(2);
  const kafka = new Kafka({
    clientId: 'cairn-kafkajs-check', brokers: [bootstrap], logLevel: logLevel.WARN, ...security(process.env),
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  for (const compression of [CompressionTypes.None, CompressionTypes.GZIP]) {
    const messages = [];
    for (let i = 0; i < 50; i++) {
      messages.push({ key: `key-${i}`, value: `value-${compression}-${i}`, headers: { source: 'kafkajs' } });
    }
    await producer.send({ topic, compression, messages, acks: -1 });
  }
  await producer.disconnect();

  const offsets = await admin.fetchTopicOffsets(topic);
  const total = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  if (total !== 100) throw new Error(`expected 100 records, found ${total}: ${JSON.stringify(offsets)}`);

  if (mode === '--consume') {
    const consumer = kafka.consumer({ groupId: `${topic}-group` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let seen = 0;
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed only ${seen} of 100`)), 30000);
      consumer.run({
        eachMessage: async ({ message }) => {
          if (message.headers.source.toString() !== 'kafkajs') reject(new Error('header lost'));
          if (++seen === 100) { clearTimeout(timer); resolve(); }
        },
      });
    });
    await consumer.disconnect();
  }
  await admin.disconnect();
  console.log(`kafkajs check passed: ${total} records`);
}

main().catch((e) => { console.error(e); process.exit(1); });
