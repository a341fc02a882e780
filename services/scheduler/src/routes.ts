import type { ConnectRouter } from "@connectrpc/connect";
import { SchedulerService } from "@trainyard/client";
import type { SchedulerDeps } from "./deps.js";
import { cancel } from "./handlers/cancel.js";
import { cancelArray } from "./handlers/cancel-array.js";
import { downloadCheckpoint } from "./handlers/download-checkpoint.js";
import { drainNode } from "./handlers/drain-node.js";
import { get } from "./handlers/get.js";
import { getEvents } from "./handlers/get-events.js";
import { list } from "./handlers/list.js";
import { listNodes } from "./handlers/list-nodes.js";
import { streamLogs } from "./handlers/stream-logs.js";
import { submit } from "./handlers/submit.js";
import { submitArray } from "./handlers/submit-array.js";
import { watch } from "./handlers/watch.js";
import { whoAmI } from "./handlers/who-am-i.js";

/** trainyard.v1.SchedulerService: one handler per RPC, each in handlers/<rpc>.ts. */
export function schedulerRoutes(d: SchedulerDeps) {
  return (router: ConnectRouter) =>
    router.service(SchedulerService, {
      submit: submit(d),
      get: get(d),
      list: list(d),
      cancel: cancel(d),
      streamLogs: streamLogs(d),
      watch: watch(d),
      getEvents: getEvents(d),
      listNodes: listNodes(d),
      drainNode: drainNode(d),
      submitArray: submitArray(d),
      cancelArray: cancelArray(d),
      downloadCheckpoint: downloadCheckpoint(d),
      whoAmI: whoAmI(d),
    });
}
