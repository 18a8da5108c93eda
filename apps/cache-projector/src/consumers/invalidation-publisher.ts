/** The consumer's port to the API replicas' in-process caches. */
export interface InvalidationPublisher {
  /**
   * Tells every API replica that these orders changed in the shared cache, each
   * with the version the projector just handled, so a replica drops its local
   * copy when that copy is older. Resolves once the message is sent; delivery
   * to replicas is best effort (pub/sub keeps nothing for a disconnected one).
   */
  publish(versions: ReadonlyMap<string, number>): Promise<void>;
}
