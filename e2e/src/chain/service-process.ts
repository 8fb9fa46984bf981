/**
 * The chain's services (regions, the processor simulator, agents) are started by the one shared
 * launcher; re-exported here for the chain, the drill and the browser tests.
 */
export { type ListeningLine, ServiceProcess, type ServiceSpec, ServiceStartError } from "@tenderline/shared/process";
