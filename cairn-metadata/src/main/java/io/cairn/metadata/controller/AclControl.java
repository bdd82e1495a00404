package io.cairn.metadata.controller;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.acl.Acl;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.RemoveAccessControlEntryRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.CreateAclsResponseData.AclCreationResult;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsRequestData.DeleteAclsFilter;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DeleteAclsResponseData.DeleteAclsFilterResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.CreateAclsRequest;
import org.apache.kafka.common.requests.DeleteAclsResponse;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.utils.SecurityUtils;

/**
 * Decides CreateAcls and DeleteAcls as Kafka's controller (AclControlManager) and broker (AclApis) do. A creation
 * must name a concrete resource type, LITERAL or PREFIXED pattern, operation and permission, a non-empty resource
 * name ({@code kafka-cluster} for CLUSTER) and a {@code Type:name} principal, else it gets INVALID_REQUEST; an ACL
 * equal to one already stored succeeds without a second copy. A deletion removes every stored ACL its filter
 * matches (Kafka's {@link AclBindingFilter#matches}), each once even when several filters match it, and lists them
 * per filter; a filter with UNKNOWN values gets INVALID_REQUEST.
 *
 * <p>Thread-safe (stateless, pure given the injected Random that draws the new ACLs' ids).
 */
final class AclControl {

    /** The only name of the CLUSTER resource. */
    static final String CLUSTER_NAME = "kafka-cluster";

    private AclControl() {
    }

    static ControllerResult<CreateAclsResponseData> createAcls(MetadataImage image, CreateAclsRequestData request,
                                                               Random random) {
        Set<Acl> existing = new HashSet<>(image.acls().acls().values());
        Set<Uuid> usedIds = new HashSet<>(image.acls().acls().keySet());
        List<MetadataRecord> records = new ArrayList<>();
        CreateAclsResponseData response = new CreateAclsResponseData();
        for (CreateAclsRequestData.AclCreation creation : request.creations()) {
            ApiError error = validate(creation);
            if (error.isSuccess()) {
                Acl acl = Acl.fromBinding(CreateAclsRequest.aclBinding(creation));
                if (existing.add(acl)) {
                    Uuid id;
                    do {
                        id = new Uuid(random.nextLong(), random.nextLong());
                    } while (!usedIds.add(id) || id.equals(Uuid.ZERO_UUID));
                    records.add(acl.toRecord(id));
                }
            }
            response.results().add(new AclCreationResult().setErrorCode(error.error().code())
                    .setErrorMessage(error.isFailure() ? error.message() : null));
        }
        return ControllerResult.of(records, response);
    }

    static ControllerResult<DeleteAclsResponseData> deleteAcls(MetadataImage image, DeleteAclsRequestData request) {
        Map<Uuid, Acl> deleted = new LinkedHashMap<>();
        DeleteAclsResponseData response = new DeleteAclsResponseData();
        for (DeleteAclsFilter f : request.filters()) {
            AclBindingFilter filter = filter(f);
            // Kafka's DeleteAclsResponse.filterResult: ApiError.NONE's message, null (the field's default is "")
            DeleteAclsFilterResult result = new DeleteAclsFilterResult().setErrorMessage(null);
            if (filter.isUnknown()) {
                result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("The filter has unknown values: "
                        + filter);
            } else {
                image.acls().acls().forEach((id, acl) -> {
                    AclBinding binding = acl.toBinding();
                    if (filter.matches(binding)) {
                        deleted.put(id, acl);
                        result.matchingAcls().add(DeleteAclsResponse.matchingAcl(binding, ApiError.NONE));
                    }
                });
            }
            response.filterResults().add(result);
        }
        List<MetadataRecord> records = new ArrayList<>();
        deleted.keySet().forEach(id -> records.add(new RemoveAccessControlEntryRecord(id)));
        return ControllerResult.of(records, response);
    }

    static AclBindingFilter filter(DeleteAclsFilter f) {
        return new AclBindingFilter(new ResourcePatternFilter(ResourceType.fromCode(f.resourceTypeFilter()),
                f.resourceNameFilter(), PatternType.fromCode(f.patternTypeFilter())),
                new AccessControlEntryFilter(f.principalFilter(), f.hostFilter(),
                        AclOperation.fromCode(f.operation()), AclPermissionType.fromCode(f.permissionType())));
    }

    private static ApiError validate(CreateAclsRequestData.AclCreation c) {
        ResourceType type = ResourceType.fromCode(c.resourceType());
        PatternType pattern = PatternType.fromCode(c.resourcePatternType());
        AclOperation operation = AclOperation.fromCode(c.operation());
        AclPermissionType permission = AclPermissionType.fromCode(c.permissionType());
        if (type == ResourceType.UNKNOWN || type == ResourceType.ANY) {
            return invalid("Invalid resourceType " + c.resourceType());
        }
        if (pattern != PatternType.LITERAL && pattern != PatternType.PREFIXED) {
            return invalid("Invalid patternType " + c.resourcePatternType());
        }
        if (operation == AclOperation.UNKNOWN || operation == AclOperation.ANY) {
            return invalid("Invalid operation " + c.operation());
        }
        if (permission != AclPermissionType.ALLOW && permission != AclPermissionType.DENY) {
            return invalid("Invalid permissionType " + c.permissionType());
        }
        if (c.resourceName() == null || c.resourceName().isEmpty()) {
            return invalid("Invalid empty resource name specified");
        }
        if (type == ResourceType.CLUSTER && !CLUSTER_NAME.equals(c.resourceName())) {
            return invalid("The only valid name for the CLUSTER resource is " + CLUSTER_NAME);
        }
        if (c.host() == null || c.host().isEmpty()) {
            return invalid("Invalid host " + c.host());
        }
        try {
            SecurityUtils.parseKafkaPrincipal(c.principal());
        } catch (RuntimeException e) {
            return invalid("Invalid principal " + c.principal());
        }
        return ApiError.NONE;
    }

    private static ApiError invalid(String message) {
        return new ApiError(Errors.INVALID_REQUEST, message);
    }
}
