package io.cairn.protocol;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;

/**
 * The handlers of one node, by API key. ApiVersions answers are derived from here.
 *
 * <p>Thread-safe once built (read-only).
 */
public final class ApiRegistry {

    private final Map<ApiKeys, ApiHandler<?>> handlers;
    private final Map<String, Supplier<Feature>> features;
    private final LongSupplier featuresEpoch;

    /**
     * A feature flag ApiVersions advertises (KIP-584): the levels this node supports and the one finalized in the
     * cluster, which clients act on (e.g. {@code transaction.version}); below the minimum (0) when none is finalized
     * yet, which is not advertised as finalized.
     */
    public record Feature(short minLevel, short maxLevel, short finalizedLevel) {
        public Feature {
            if (minLevel > maxLevel || finalizedLevel < 0 || (finalizedLevel > 0 && finalizedLevel < minLevel)) {
                throw new IllegalArgumentException("Feature levels " + minLevel + ".." + maxLevel + " do not hold "
                        + finalizedLevel);
            }
        }
    }

    private ApiRegistry(Map<ApiKeys, ApiHandler<?>> handlers, Map<String, Supplier<Feature>> features,
                        LongSupplier featuresEpoch) {
        this.handlers = Collections.unmodifiableMap(new EnumMap<>(handlers));
        this.features = Collections.unmodifiableMap(new TreeMap<>(features));
        this.featuresEpoch = featuresEpoch;
    }

    /** The features ApiVersions advertises, by name, with their finalized levels as of now. */
    public Map<String, Feature> features() {
        Map<String, Feature> now = new TreeMap<>();
        features.forEach((name, feature) -> now.put(name, feature.get()));
        return now;
    }

    /**
     * The epoch of the finalized features (KIP-584): clients take finalized levels only from an answer at a higher
     * epoch than the last they took, so it grows whenever a finalized level can have changed (0 when none can).
     */
    public long featuresEpoch() {
        return featuresEpoch.getAsLong();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The handler of this API, if it is served at this version. */
    @SuppressWarnings("unchecked")
    public Optional<ApiHandler<AbstractRequest>> handler(ApiKeys apiKey, short version) {
        ApiHandler<?> handler = handlers.get(apiKey);
        if (handler == null || version < handler.minVersion() || version > handler.maxVersion()) {
            return Optional.empty();
        }
        return Optional.of((ApiHandler<AbstractRequest>) handler);
    }

    public boolean supports(ApiKeys apiKey, short version) {
        return handler(apiKey, version).isPresent();
    }

    public Collection<ApiHandler<?>> handlers() {
        return handlers.values();
    }

    /** Every served API with its version range, as ApiVersions advertises them. */
    public ApiVersionCollection apiVersions() {
        ApiVersionCollection versions = new ApiVersionCollection();
        handlers.forEach((key, handler) -> versions.add(new ApiVersion()
                .setApiKey(key.id)
                .setMinVersion(handler.minVersion())
                .setMaxVersion(handler.maxVersion())));
        return versions;
    }

    /** Collects handlers; refuses two for one API and version ranges kafka-clients cannot parse. */
    public static final class Builder {
        private final Map<ApiKeys, ApiHandler<?>> handlers = new EnumMap<>(ApiKeys.class);
        private final Map<String, Supplier<Feature>> features = new TreeMap<>();
        private LongSupplier featuresEpoch = () -> 0;

        /** Advertises a feature in ApiVersions, finalized at a fixed level. */
        public Builder feature(String name, Feature feature) {
            return feature(name, () -> feature);
        }

        /** Advertises a feature whose finalized level can change while the node runs (read at each ApiVersions). */
        public Builder feature(String name, Supplier<Feature> feature) {
            if (features.putIfAbsent(name, feature) != null) {
                throw new IllegalArgumentException("Feature " + name + " declared twice");
            }
            return this;
        }

        /** The finalized features' epoch ({@link #featuresEpoch()}); 0 unless set. */
        public Builder featuresEpoch(LongSupplier epoch) {
            this.featuresEpoch = epoch;
            return this;
        }

        public Builder add(ApiHandler<?> handler) {
            ApiKeys key = handler.apiKey();
            if (handler.minVersion() < key.oldestVersion() || handler.maxVersion() > key.latestVersion(true)
                    || handler.minVersion() > handler.maxVersion()) {
                throw new IllegalArgumentException("Handler for " + key + " declares versions " + handler.minVersion()
                        + ".." + handler.maxVersion() + " outside " + key.oldestVersion() + ".." + key.latestVersion(true));
            }
            if (handlers.putIfAbsent(key, handler) != null) {
                throw new IllegalArgumentException("Two handlers for " + key);
            }
            return this;
        }

        /**
         * Replaces each handler added so far with what {@code decorator} makes of it, which serves the same API at the
         * same versions (the authorizer's checks in front of every handler).
         */
        public Builder decorate(java.util.function.UnaryOperator<ApiHandler<?>> decorator) {
            handlers.replaceAll((key, handler) -> {
                ApiHandler<?> decorated = decorator.apply(handler);
                if (decorated.apiKey() != key || decorated.minVersion() != handler.minVersion()
                        || decorated.maxVersion() != handler.maxVersion()) {
                    throw new IllegalArgumentException("A decorated " + key + " handler serves other versions");
                }
                return decorated;
            });
            return this;
        }

        /** Builds the registry, adding ApiVersions derived from it unless one was added. */
        public ApiRegistry build() {
            ApiRegistry[] built = new ApiRegistry[1];
            handlers.putIfAbsent(ApiKeys.API_VERSIONS, new ApiVersionsHandler(() -> built[0]));
            built[0] = new ApiRegistry(handlers, features, featuresEpoch);
            return built[0];
        }
    }
}
