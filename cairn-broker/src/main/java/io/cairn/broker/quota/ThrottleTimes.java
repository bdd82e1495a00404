package io.cairn.broker.quota;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Optional;

import org.apache.kafka.common.protocol.ApiMessage;

/**
 * Reads and sets {@code throttle_time_ms} on any response, as Kafka's {@code AbstractResponse.maybeSetThrottleTimeMs}
 * does for every API: kafka-clients' generated response classes name the field alike ({@code throttleTimeMs()},
 * {@code setThrottleTimeMs(int)}) but share no interface for it, so the accessors are looked up once per class. The
 * field is ignorable in every API that has it, so a version without it simply does not carry it.
 *
 * <p>Thread-safe.
 */
final class ThrottleTimes {

    private record Accessors(MethodHandle getter, MethodHandle setter) {
    }

    private static final ClassValue<Optional<Accessors>> ACCESSORS = new ClassValue<>() {
        @Override
        protected Optional<Accessors> computeValue(Class<?> type) {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            try {
                return Optional.of(new Accessors(
                        lookup.findVirtual(type, "throttleTimeMs", MethodType.methodType(int.class)),
                        lookup.findVirtual(type, "setThrottleTimeMs", MethodType.methodType(type, int.class))));
            } catch (NoSuchMethodException | IllegalAccessException e) {
                return Optional.empty();
            }
        }
    };

    private ThrottleTimes() {
    }

    /** The response's throttle time, 0 when it has none. */
    static int get(ApiMessage response) {
        Optional<Accessors> accessors = ACCESSORS.get(response.getClass());
        if (accessors.isEmpty()) {
            return 0;
        }
        try {
            return (int) accessors.get().getter().invoke(response);
        } catch (Throwable e) {
            throw new IllegalStateException("Cannot read the throttle time of " + response.getClass(), e);
        }
    }

    /** Sets the response's throttle time, if its API has one. */
    static void set(ApiMessage response, long throttleTimeMs) {
        Optional<Accessors> accessors = ACCESSORS.get(response.getClass());
        if (accessors.isEmpty()) {
            return;
        }
        try {
            accessors.get().setter().invoke(response, (int) Math.min(Integer.MAX_VALUE, throttleTimeMs));
        } catch (Throwable e) {
            throw new IllegalStateException("Cannot set the throttle time of " + response.getClass(), e);
        }
    }
}
