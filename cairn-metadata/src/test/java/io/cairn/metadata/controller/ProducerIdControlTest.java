package io.cairn.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.metadata.Fixtures;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.ProducerIdBlock;
import org.junit.jupiter.api.Test;

class ProducerIdControlTest {

    @Test
    void consecutiveBlocksDoNotOverlap() {
        // given
        MetadataImage image = Fixtures.withBrokers(2);
        // when
        ControllerResult<ProducerIdBlock> first = ProducerIdControl.allocate(image, 1, 1000);
        image = Fixtures.applyAll(image, first.records());
        ControllerResult<ProducerIdBlock> second = ProducerIdControl.allocate(image, 2, 1000);
        // then
        assertThat(first.response()).isEqualTo(new ProducerIdBlock(1, 0, 1000));
        assertThat(second.response()).isEqualTo(new ProducerIdBlock(2, 1000, 1000));
        assertThat(Fixtures.applyAll(image, second.records()).nextProducerId()).isEqualTo(2000);
    }
}
