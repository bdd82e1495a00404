#!/usr/bin/python3
"""Transactions through confluent-kafka-python (librdkafka); run by TransactionClientsIT with /usr/bin/python3.

Usage:
  txn.py <bootstrap> produce <topic> <transactional id> <n>
      one transaction of <n> values "committed-1-i" committed, one of <n> "aborted-i" aborted, one of <n>
      "committed-2-i" plus "last" committed; prints "python txn produced".
  txn.py <bootstrap> read <topic> <isolation level> <last value>
      reads every partition from the beginning until <last value> was seen and every partition reached its end
      (enable.partition.eof); prints "values: [...]" as JSON, in the order received.
  txn.py <bootstrap> transform <input> <output> <group id> <transactional id> <n>
      consume-transform-produce: reads <n> values of <input> in consumer group <group id> (no auto commit),
      writes "out-<value>" for each to <output> and commits the consumer's positions through the same transaction
      (send_offsets_to_transaction with consumer_group_metadata()); prints "offsets: {partition: offset}" as JSON.
The topics must exist. Any error exits with status 1.
"""
import json
import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, OFFSET_BEGINNING, Producer, TopicPartition

TIMEOUT = 30


def producer(bootstrap, transactional_id):
    p = Producer({'bootstrap.servers': bootstrap, 'transactional.id': transactional_id,
                  'enable.idempotence': True, 'transaction.timeout.ms': 60000})
    p.init_transactions(TIMEOUT)
    return p


def check_delivery(err, msg):
    if err is not None:
        raise KafkaException(err)


def produce(bootstrap, topic, transactional_id, n):
    p = producer(bootstrap, transactional_id)
    for prefix, end in (('committed-1', 'commit'), ('aborted', 'abort'), ('committed-2', 'last')):
        p.begin_transaction()
        for i in range(n):
            p.produce(topic, key='k%d' % i, value='%s-%d' % (prefix, i), on_delivery=check_delivery)
        if end == 'last':
            p.produce(topic, key='k0', value='last', on_delivery=check_delivery)
        if end == 'abort':
            p.flush(TIMEOUT)  # the aborted records reach the partitions, so the abort has something to mark
            p.abort_transaction(TIMEOUT)
        else:
            p.commit_transaction(TIMEOUT)
    print('python txn produced', flush=True)


def read(bootstrap, topic, isolation, last):
    c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'python-read-%s-%s' % (topic, isolation),
                  'isolation.level': isolation, 'enable.partition.eof': True, 'enable.auto.commit': False,
                  'auto.offset.reset': 'earliest'})
    partitions = c.list_topics(topic, timeout=TIMEOUT).topics[topic].partitions
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
    values, at_end, deadline = [], set(), time.time() + TIMEOUT
    while not (last in values and len(at_end) == len(partitions)):
        if time.time() > deadline:
            raise RuntimeError('did not see %s at the end of every partition; got %s' % (last, values))
        msg = c.poll(0.2)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() == KafkaError._PARTITION_EOF:
                at_end.add(msg.partition())
                continue
            raise KafkaException(msg.error())
        at_end.discard(msg.partition())
        values.append(msg.value().decode())
    c.close()
    print('values: ' + json.dumps(values), flush=True)


def transform(bootstrap, input_topic, output_topic, group_id, transactional_id, n):
    c = Consumer({'bootstrap.servers': bootstrap, 'group.id': group_id, 'isolation.level': 'read_committed',
                  'enable.auto.commit': False, 'auto.offset.reset': 'earliest'})
    c.subscribe([input_topic])
    p = producer(bootstrap, transactional_id)
    consumed, deadline = [], time.time() + TIMEOUT
    while len(consumed) < n:
        if time.time() > deadline:
            raise RuntimeError('consumed only %d of %d' % (len(consumed), n))
        msg = c.poll(0.2)
        if msg is None:
            continue
        if msg.error():
            raise KafkaException(msg.error())
        consumed.append(msg)
    p.begin_transaction()
    for msg in consumed:
        p.produce(output_topic, value='out-' + msg.value().decode(), on_delivery=check_delivery)
    positions = c.position(c.assignment())
    p.send_offsets_to_transaction(positions, c.consumer_group_metadata(), TIMEOUT)
    p.commit_transaction(TIMEOUT)
    c.close()
    print('offsets: ' + json.dumps({tp.partition: tp.offset for tp in positions if tp.offset >= 0}), flush=True)


def main(argv):
    bootstrap, mode, args = argv[1], argv[2], argv[3:]
    if mode == 'produce':
        produce(bootstrap, args[0], args[1], int(args[2]))
    elif mode == 'read':
        read(bootstrap, args[0], args[1], args[2])
    elif mode == 'transform':
        transform(bootstrap, args[0], args[1], args[2], args[3], int(args[4]))
    else:
        raise ValueError('unknown mode ' + mode)


if __name__ == '__main__':
    main(sys.argv)
