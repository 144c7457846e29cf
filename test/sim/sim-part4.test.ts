// Raft simulation sweep, part 4 of 4 (see suite.ts for SEED/STEPS/SIM_SEEDS).
import { simSuite } from "./suite.ts";

simSuite(3);
