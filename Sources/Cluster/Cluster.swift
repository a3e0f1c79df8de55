import Backend

/// Clustering algorithms and metrics arrive with the clustering issue; this namespace marks the
/// module's place in the dependency graph (`Cluster` imports `Backend`, never `Models`).
public enum Cluster {}
