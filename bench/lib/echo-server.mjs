#!/usr/bin/env node
// The Submit benchmark's baseline: a bare connect-node server on HTTP/2 answering
// SchedulerService/Submit with a task carrying the request's spec, doing nothing else (no
// validation, no store, no logging). Listens on 127.0.0.1:<argv[2]> and prints "listening".
import * as http2 from "node:http2";
import { create } from "@bufbuild/protobuf";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { SchedulerService } from "../../clients/ts/dist/gen/trainyard/v1/scheduler_pb.js";
import { TaskSchema } from "../../clients/ts/dist/gen/trainyard/v1/task_pb.js";

let n = 0;
const handler = connectNodeAdapter({
  routes(router) {
    router.service(SchedulerService, {
      submit: (req) => ({ task: create(TaskSchema, { id: `t-echo-${n++}`, spec: req.spec }) }),
    });
  },
});
http2.createServer(handler).listen(Number(process.argv[2]), "127.0.0.1", () => console.log("listening"));
