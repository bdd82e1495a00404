package io.cairn.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;

import io.cairn.metadata.Fixtures;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.acl.Acl;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.CreateAclsRequest;
import org.apache.kafka.common.requests.DeleteAclsRequest;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

class AclControlTest {

    private static final AclBinding READ_T = binding(ResourceType.TOPIC, "t", PatternType.LITERAL, AclOperation.READ);
    private static final AclBinding WRITE_PREFIX = binding(ResourceType.TOPIC, "t", PatternType.PREFIXED,
            AclOperation.WRITE);
    private static final AclBinding GROUP_READ = binding(ResourceType.GROUP, "g", PatternType.LITERAL,
            AclOperation.READ);

    @Test
    void createdAclsAreInTheImageOnceEachAndInvalidOnesAreRefused() {
        // given
        MetadataImage image = Fixtures.withBrokers(1);

        // when: READ_T twice, then three invalid ones
        ControllerResult<CreateAclsResponseData> result = AclControl.createAcls(image, create(READ_T, WRITE_PREFIX,
                READ_T, binding(ResourceType.CLUSTER, "other", PatternType.LITERAL, AclOperation.ALTER),
                binding(ResourceType.TOPIC, "", PatternType.LITERAL, AclOperation.READ),
                new AclBinding(new ResourcePattern(ResourceType.TOPIC, "t", PatternType.LITERAL),
                        new AccessControlEntry("alice", "*", AclOperation.READ, AclPermissionType.ALLOW))),
                new Random(1));
        MetadataImage after = Fixtures.applyAll(image, result.records());

        // then
        assertThat(result.response().results()).extracting(r -> Errors.forCode(r.errorCode())).containsExactly(
                Errors.NONE, Errors.NONE, Errors.NONE, Errors.INVALID_REQUEST, Errors.INVALID_REQUEST,
                Errors.INVALID_REQUEST);
        assertThat(after.acls().acls().values()).containsExactly(Acl.fromBinding(READ_T),
                Acl.fromBinding(WRITE_PREFIX));
        assertThat(after.acls().contains(Acl.fromBinding(WRITE_PREFIX))).isTrue();
        assertThat(after.acls().contains(Acl.fromBinding(GROUP_READ))).isFalse();

        // when: created again, nothing is written
        assertThat(AclControl.createAcls(after, create(READ_T), new Random(2)).records()).isEmpty();
    }

    @Test
    void aDeletionRemovesWhatItsFiltersMatchOnceAndListsItPerFilter() {
        // given
        MetadataImage image = Fixtures.applyAll(Fixtures.withBrokers(1), AclControl.createAcls(
                Fixtures.withBrokers(1), create(READ_T, WRITE_PREFIX, GROUP_READ), new Random(1)).records());
        AclBindingFilter anyTopic = new AclBindingFilter(new ResourcePatternFilter(ResourceType.TOPIC, null,
                PatternType.ANY), AccessControlEntryFilter.ANY);
        AclBindingFilter literalT = new AclBindingFilter(new ResourcePatternFilter(ResourceType.TOPIC, "t",
                PatternType.LITERAL), AccessControlEntryFilter.ANY);

        // when
        ControllerResult<DeleteAclsResponseData> result = AclControl.deleteAcls(image, new DeleteAclsRequestData()
                .setFilters(List.of(DeleteAclsRequest.deleteAclsFilter(anyTopic),
                        DeleteAclsRequest.deleteAclsFilter(literalT))));
        MetadataImage after = Fixtures.applyAll(image, result.records());

        // then
        assertThat(result.records()).hasSize(2);
        assertThat(result.response().filterResults().get(0).matchingAcls()).hasSize(2);
        assertThat(result.response().filterResults().get(1).matchingAcls()).hasSize(1);
        assertThat(after.acls().acls().values()).containsExactly(Acl.fromBinding(GROUP_READ));
    }

    @Test
    void aMatchedFilterHasANullErrorMessageAsKafkasDeleteAclsResponseFilterResult() {
        // given: kafkajs compares the whole answer; Kafka sets ApiError.NONE's message, null, not the default ""
        MetadataImage image = Fixtures.applyAll(Fixtures.withBrokers(1), AclControl.createAcls(
                Fixtures.withBrokers(1), create(READ_T), new Random(1)).records());

        // when: one filter that matches, one that does not
        DeleteAclsResponseData response = AclControl.deleteAcls(image, new DeleteAclsRequestData()
                .setFilters(List.of(DeleteAclsRequest.deleteAclsFilter(READ_T.toFilter()),
                        DeleteAclsRequest.deleteAclsFilter(GROUP_READ.toFilter())))).response();

        // then
        assertThat(response.filterResults()).extracting(DeleteAclsResponseData.DeleteAclsFilterResult::errorMessage)
                .containsExactly(null, null);
        assertThat(response.filterResults().get(0).matchingAcls()).singleElement()
                .extracting(DeleteAclsResponseData.DeleteAclsMatchingAcl::errorMessage).isNull();
    }

    private static CreateAclsRequestData create(AclBinding... bindings) {
        return new CreateAclsRequestData().setCreations(java.util.Arrays.stream(bindings)
                .map(CreateAclsRequest::aclCreation).toList());
    }

    private static AclBinding binding(ResourceType type, String name, PatternType pattern, AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry("User:alice", "*", operation, AclPermissionType.ALLOW));
    }
}
