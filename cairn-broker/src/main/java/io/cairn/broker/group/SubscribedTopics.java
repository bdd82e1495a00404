package io.cairn.broker.group;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.function.Supplier;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.TopicImage;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidRegularExpression;

/**
 * What consumer group members subscribe to, resolved against the committed metadata image: topic names and RE2/J
 * regular expressions (matched against whole topic names, as Kafka does) become topic ids, and a group's subscribed
 * topics get a fingerprint that changes when one of them is created, deleted or gets partitions, so that the group
 * epoch is bumped and the target assignment computed again.
 *
 * <p>Resolved regular expressions are cached per metadata image. Not thread-safe; confined to the shard's event loop.
 */
final class SubscribedTopics {

    /** Every topic: no authorizer, or a caller not known. */
    static final Predicate<String> ALL = topic -> true;

    private final Supplier<MetadataImage> image;
    private final Map<String, Set<String>> resolvedRegexes = new HashMap<>();
    private long resolvedAtOffset = Long.MIN_VALUE;

    SubscribedTopics(Supplier<MetadataImage> image) {
        this.image = image;
    }

    MetadataImage image() {
        return image.get();
    }

    /** @throws InvalidRegularExpression a regular expression RE2/J cannot compile, with Kafka's message */
    static void validateRegex(String regex) {
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new InvalidRegularExpression("SubscribedTopicRegex `" + regex + "` is not a valid regular "
                    + "expression: " + e.getDescription() + ".");
        }
    }

    /** The existing topics whose whole name {@code regex} matches. */
    Set<String> resolve(String regex) {
        MetadataImage current = image.get();
        if (current.offset() != resolvedAtOffset) {
            resolvedRegexes.clear();
            resolvedAtOffset = current.offset();
        }
        return resolvedRegexes.computeIfAbsent(regex, r -> {
            Set<String> matches = new HashSet<>();
            Pattern pattern;
            try {
                pattern = Pattern.compile(r);
            } catch (PatternSyntaxException e) {
                return Set.of();
            }
            for (String topic : current.topicsByName().keySet()) {
                if (pattern.matches(topic)) {
                    matches.add(topic);
                }
            }
            return Set.copyOf(matches);
        });
    }

    /**
     * The names a member subscribes to, by name and by its regular expression, of the topics its regular expression
     * matches only those {@code describable} allows (Kafka's group coordinator keeps only the topics the member's
     * principal may DESCRIBE; the names it subscribes to by name were checked with its request).
     */
    Set<String> topicNames(ConsumerMember member, Predicate<String> describable) {
        if (member.subscribedTopicRegex() == null || member.subscribedTopicRegex().isEmpty()) {
            return new HashSet<>(member.subscribedTopicNames());
        }
        Set<String> names = new HashSet<>(member.subscribedTopicNames());
        for (String topic : resolve(member.subscribedTopicRegex())) {
            if (describable.test(topic)) {
                names.add(topic);
            }
        }
        return names;
    }

    /** The ids of the existing topics a member subscribes to, as {@link #topicNames}. */
    Set<Uuid> topicIds(ConsumerMember member, Predicate<String> describable) {
        MetadataImage current = image.get();
        Set<Uuid> ids = new HashSet<>();
        for (String name : topicNames(member, describable)) {
            current.topic(name).ifPresent(topic -> ids.add(topic.id()));
        }
        return ids;
    }

    /**
     * A fingerprint of the topics {@code members} subscribe to (by name and by regular expression, as
     * {@link #topicNames}) as the image has them: their names, ids and partition counts.
     */
    long hash(Collection<ConsumerMember> members, Predicate<String> describable) {
        Set<String> names = new TreeSet<>();
        members.forEach(member -> names.addAll(topicNames(member, describable)));
        MetadataImage current = image.get();
        long hash = 0xcbf29ce484222325L;
        for (String name : names) {
            TopicImage topic = current.topic(name).orElse(null);
            if (topic == null) {
                continue;
            }
            for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
                hash = mix(hash, b);
            }
            hash = mix(hash, topic.id().getMostSignificantBits());
            hash = mix(hash, topic.id().getLeastSignificantBits());
            hash = mix(hash, topic.partitions().size());
        }
        return hash;
    }

    /** One FNV-1a-style step over a whole long. */
    private static long mix(long hash, long value) {
        return (hash ^ value) * 0x100000001b3L;
    }
}
