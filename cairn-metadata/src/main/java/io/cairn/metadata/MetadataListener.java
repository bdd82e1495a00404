package io.cairn.metadata;

/**
 * Told about every newly committed image, in log order, on the metadata apply thread. Implementations
 * must not block: they hand work to their own executor when it is slow (creating partition logs).
 */
public interface MetadataListener {
    void onImage(MetadataImage previous, MetadataImage next);
}
