package io.cairn.metadata.record;

import java.util.Objects;

import org.apache.kafka.common.Uuid;

/** Deletes the ACL of this id (DeleteAcls); a no-op when there is none. */
public record RemoveAccessControlEntryRecord(Uuid id) implements MetadataRecord {

    public RemoveAccessControlEntryRecord {
        Objects.requireNonNull(id, "id");
    }
}
