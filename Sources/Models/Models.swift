import Backend

/// Layers, losses, optimizers and models arrive with the training issues; this namespace marks the
/// module's place in the dependency graph (`Models` imports `Backend`, never `Cluster`).
public enum Models {}
