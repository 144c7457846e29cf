// Replica placement, the HDFS default policy (BlockPlacementPolicyDefault): the first replica
// on the writer's own peer when it is a chunk server, the second on another rack, the third
// on the second's rack but another peer, further ones anywhere not yet used; never two
// replicas on one peer. With fewer eligible peers than asked, it places what it can and the
// file is under-replicated until more peers come. Pure: the leader gives it the live peers
// and a random source, and writes the outcome into the Raft command.
export interface PlacementPeer {
  id: string;
  rack: string;
  freeBytes: number;
}

export interface PlacementRequest {
  replication: number;
  /** Bytes the new chunk may take on each replica. */
  sizeBytes: number;
  /** The writing client's peer, when the client runs inside a peer. */
  writer?: string;
  /** Peers that must not be chosen (already holding the chunk, or just failed in a pipeline). */
  exclude?: ReadonlySet<string>;
  /** Rack of replicas that already exist (re-replication): the policy spreads around them. */
  existing?: readonly PlacementPeer[];
}

/** Free space a peer keeps beyond the chunk itself, so a disk never fills to the last byte. */
export const PLACEMENT_RESERVE_BYTES = 64 * 1024 * 1024;

export function chooseTargets(peers: readonly PlacementPeer[], request: PlacementRequest, rand: (n: number) => number): PlacementPeer[] {
  const exclude = new Set(request.exclude ?? []);
  for (const peer of request.existing ?? []) exclude.add(peer.id);
  const eligible = peers.filter((peer) => !exclude.has(peer.id) && peer.freeBytes >= request.sizeBytes + PLACEMENT_RESERVE_BYTES);
  const chosen: PlacementPeer[] = [...(request.existing ?? [])];
  const wanted = request.replication;
  const pick = (filter: (peer: PlacementPeer) => boolean): PlacementPeer | undefined => {
    const options = eligible.filter((peer) => filter(peer) && !chosen.some((c) => c.id === peer.id));
    if (options.length === 0) return undefined;
    const picked = options[rand(options.length)]!;
    chosen.push(picked);
    return picked;
  };
  const any = () => true;
  while (chosen.length < wanted) {
    const count = chosen.length;
    if (count === 0) {
      // First: the writer's own peer, else any.
      (request.writer ? pick((peer) => peer.id === request.writer) : undefined) ?? pick(any);
    } else if (count === 1) {
      // Second: another rack than the first, else any other peer.
      const firstRack = chosen[0]!.rack;
      pick((peer) => peer.rack !== firstRack) ?? pick(any);
    } else if (count === 2) {
      // Third: the second's rack, another peer; else a third rack; else any.
      const [first, second] = [chosen[0]!, chosen[1]!];
      if (first.rack === second.rack) pick((peer) => peer.rack !== first.rack) ?? pick(any);
      else pick((peer) => peer.rack === second.rack) ?? pick(any);
    } else {
      // More: prefer racks holding the fewest replicas so far.
      const perRack = new Map<string, number>();
      for (const peer of chosen) perRack.set(peer.rack, (perRack.get(peer.rack) ?? 0) + 1);
      const fewest = Math.min(...eligible.filter((p) => !chosen.some((c) => c.id === p.id)).map((p) => perRack.get(p.rack) ?? 0));
      pick((peer) => (perRack.get(peer.rack) ?? 0) === fewest) ?? pick(any);
    }
    if (chosen.length === count) break; // nobody left to choose
  }
  return chosen.slice((request.existing ?? []).length);
}
