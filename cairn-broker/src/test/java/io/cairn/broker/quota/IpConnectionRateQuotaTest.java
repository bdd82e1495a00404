package io.cairn.broker.quota;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.record.ClientQuotaRecord;
import io.cairn.metadata.record.MetadataRecord;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.utils.MockTime;
import org.junit.jupiter.api.Test;

/**
 * The ip entities' connection_creation_rate (KIP-612) on a mock clock. The rate spans at least ten windows of 1 s,
 * so a quota of 2/s lets 20 connections through at once.
 */
class IpConnectionRateQuotaTest {

    private final MockTime time = new MockTime();
    private final List<Long> throttles = new ArrayList<>();

    private static MetadataRecord rate(String ip, double value) {
        Map<String, String> entity = new HashMap<>();
        entity.put(ClientQuotaEntity.IP, ip);
        return ClientQuotaRecord.set(entity, "connection_creation_rate", value);
    }

    private IpConnectionRateQuota quota(MetadataRecord... records) {
        MetadataImage image = MetadataImage.EMPTY.apply(1, List.of(records));
        return new IpConnectionRateQuota(() -> image, throttles::add);
    }

    private int accepted(IpConnectionRateQuota quota, String ip, int connections) throws Exception {
        int accepted = 0;
        for (int i = 0; i < connections; i++) {
            if (quota.recordAndGetThrottleTimeMs(InetAddress.getByName(ip), time.milliseconds()) == 0) {
                accepted++;
            }
        }
        return accepted;
    }

    @Test
    void anAddressWithoutAQuotaIsNotCounted() throws Exception {
        IpConnectionRateQuota quota = quota(rate("10.0.0.1", 2));

        assertThat(accepted(quota, "10.0.0.2", 1000)).isEqualTo(1000);
        assertThat(throttles).isEmpty();
    }

    @Test
    void connectionsUpToTheRateAreAcceptedAndTheNextIsHeldForAtMostOneWindow() throws Exception {
        // given
        IpConnectionRateQuota quota = quota(rate("10.0.0.1", 2));

        // when / then: 20 over ten windows is the quota, at it
        assertThat(accepted(quota, "10.0.0.1", 20)).isEqualTo(20);
        // over it: the 21st is 2.1/s, (2.1 - 2) / 2 x 10 s = 500 ms
        long throttle = quota.recordAndGetThrottleTimeMs(InetAddress.getByName("10.0.0.1"), time.milliseconds());
        assertThat(throttle).isEqualTo(500);
        // a refused connection is not counted: the next is throttled alike
        assertThat(quota.recordAndGetThrottleTimeMs(InetAddress.getByName("10.0.0.1"), time.milliseconds()))
                .isEqualTo(500);
        assertThat(throttles).containsExactly(500L, 500L);
    }

    @Test
    void theWindowRollsAndConnectionsAreAcceptedAgain() throws Exception {
        IpConnectionRateQuota quota = quota(rate("10.0.0.1", 2));
        assertThat(accepted(quota, "10.0.0.1", 25)).isEqualTo(20);

        // when: the samples holding those 20 leave the 11-sample window
        time.sleep(11_000);

        // then
        assertThat(accepted(quota, "10.0.0.1", 20)).isEqualTo(20);
    }

    @Test
    void theThrottleIsBoundedToOneWindow() throws Exception {
        // given: 100 connections at 10/s, then the quota is lowered to 1/s
        AtomicReference<MetadataImage> image = new AtomicReference<>(
                MetadataImage.EMPTY.apply(1, List.of(rate("10.0.0.1", 10))));
        IpConnectionRateQuota quota = new IpConnectionRateQuota(image::get, throttles::add);
        assertThat(accepted(quota, "10.0.0.1", 100)).isEqualTo(100);
        image.set(MetadataImage.EMPTY.apply(1, List.of(rate("10.0.0.1", 1))));

        // when: 10.1/s for 1/s would be (10.1 - 1) / 1 x 10 s = 91 s
        long throttle = quota.recordAndGetThrottleTimeMs(InetAddress.getByName("10.0.0.1"), time.milliseconds());

        // then: Kafka's bound, one quota window
        assertThat(throttle).isEqualTo(1000);
    }

    @Test
    void anAddressesOwnQuotaComesBeforeTheDefaultAndEachAddressHasItsOwnRate() throws Exception {
        // given: 10.0.0.1 may open 1/s, every other address 3/s
        IpConnectionRateQuota quota = quota(rate("10.0.0.1", 1), rate(null, 3));

        // when / then
        assertThat(accepted(quota, "10.0.0.1", 40)).isEqualTo(10);
        assertThat(accepted(quota, "10.0.0.2", 40)).isEqualTo(30);
        assertThat(accepted(quota, "10.0.0.3", 40)).isEqualTo(30);
    }

    @Test
    void anEntityIsMatchedByAddressNotBySpellingAndAHostNameIsNotLookedUp() throws Exception {
        // given: ::1 spelt short, and a host name
        IpConnectionRateQuota quota = quota(rate("::1", 1), rate("localhost", 1));

        // when / then: ::1 connecting as 0:0:0:0:0:0:0:1 has its quota; 127.0.0.1 has none (no lookup)
        assertThat(accepted(quota, "0:0:0:0:0:0:0:1", 20)).isEqualTo(10);
        assertThat(accepted(quota, "127.0.0.1", 20)).isEqualTo(20);
    }
}
