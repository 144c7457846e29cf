// Raft simulation sweep, part 3 of 4 (see suite.ts for SEED/STEPS/SIM_SEEDS).
import { simSuite } from "./suite.ts";

simSuite(2);
