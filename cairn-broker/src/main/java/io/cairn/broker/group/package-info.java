/**
 * The group coordinator (classic protocol) and committed offsets, kept in {@code __consumer_offsets}.
 *
 * <p>Public surface: {@link io.cairn.broker.group.GroupCoordinatorRuntime} (a MetadataListener, driven by the
 * handlers), {@link io.cairn.broker.group.GroupConfig}. Threading: every shard operation, timer and load step
 * runs on the runtime's single event loop; the shard classes are confined to it. See docs/adr/0101.
 */
package io.cairn.broker.group;
