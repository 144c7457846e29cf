// Replica placement, the HDFS default policy (BlockPlacementPolicyDefault): the first replica
// on the writer's own peer when it is a chunk server, the second on another rack, the third
// on the second's rack but another peer, further ones anywhere not yet used; never two
// replicas on one peer. With fewer eligible peers than asked, it places what it can and the
// file is under-replicated until more peers come. Pure: the leader gives it the live peers
// and a random source, and writes the outcome into the Raft command.
//
// Better than HDFS's random first replica when the writer is not a chunk server (issue 13): a
// file written from outside is spread evenly by its own bytes (spreadFirst), so each peer
// holds about an equal share of it, and a later job over it finds a local replica of an equal
// share of its chunks on every peer.
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
  /**
   * Bytes of the file being written that each peer was given so far (a peer not in the map has
   * none). When set and the first replica does not go to the writer's own peer, it goes to the
   * peer spreadFirst picks instead of a random one.
   */
  fileBytes?: ReadonlyMap<string, number>;
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
      // First: the writer's own peer, else the one the file is thinnest on, else any.
      const spread = request.fileBytes ? spreadFirst(eligible, request.fileBytes, request.sizeBytes) : undefined;
      (request.writer ? pick((peer) => peer.id === request.writer) : undefined) ?? (spread ? pick((peer) => spread.has(peer.id)) : undefined) ?? pick(any);
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

/**
 * Free space is compared in steps of 1/FREE_SPACE_STEPS of the freest candidate's: peers
 * within a step count as equally free, so a few megabytes of difference (heartbeats of one
 * shared disk, or ones a second old) never send every new file to one peer.
 */
export const FREE_SPACE_STEPS = 16;

/**
 * The peers a file's next first replica may go to, to spread the file evenly: those whose
 * free space this file would fill the least, i.e. the least (bytes of the file on the peer +
 * this chunk) / (the peer's free space in steps of FREE_SPACE_STEPS). Over equally free peers
 * that is the peer with the fewest bytes of the file (24 chunks over 3 peers land 8/8/8); a
 * peer with twice the free space takes about twice the share. Ties, in order: fewer bytes of
 * the file, then every peer still equal is returned for the caller's random source to choose
 * among (a new file's first chunk goes to any of the freest peers, not always the same one).
 */
export function spreadFirst(candidates: readonly PlacementPeer[], fileBytes: ReadonlyMap<string, number>, sizeBytes: number): Set<string> {
  const freestBytes = Math.max(1, ...candidates.map((peer) => peer.freeBytes));
  let best: PlacementPeer[] = [];
  let bestShare = Number.POSITIVE_INFINITY;
  let bestHeld = Number.POSITIVE_INFINITY;
  for (const peer of candidates) {
    const held = fileBytes.get(peer.id) ?? 0;
    const freeSteps = Math.max(1, Math.ceil((FREE_SPACE_STEPS * Math.max(0, peer.freeBytes)) / freestBytes));
    const share = (held + Math.max(1, sizeBytes)) / freeSteps;
    if (share < bestShare || (share === bestShare && held < bestHeld)) {
      best = [peer];
      bestShare = share;
      bestHeld = held;
    } else if (share === bestShare && held === bestHeld) best.push(peer);
  }
  return new Set(best.map((peer) => peer.id));
}
