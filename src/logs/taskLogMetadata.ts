// The fields every line of a task carries, computed once per task (and once more per stream), never per line.
// Field names keep allegro/mesos-executor's where it had one, so that existing Kibana dashboards keep working:
//
//   instance-id   executor id                     (predecessor: the same)
//   scid          label scId, a number if integer (predecessor: the same; it refused a non-integer)
//   srchost       MESOS_HOSTNAME, CLOUD_HOSTNAME, else os.hostname() — resolved once per process
//   region        CLOUD_REGION                    (predecessor: the same)
//   zone          CLOUD_AVAILABILITY_ZONE         (predecessor: the same)
//   task-id, framework-id, app (MARATHON_APP_ID or a label), stream, hook (hook output): new
//   extra fields  labels berth.log.field.<name>=<value>
import { hostname } from "node:os";
import type { FieldValue, LogStream } from "./logEvent.js";

export type LogMetadata = Readonly<Record<string, FieldValue>>;

export interface TaskLogIdentity {
  readonly taskId?: string | undefined;
  readonly executorId?: string | undefined;
  readonly frameworkId?: string | undefined;
  /** Default: agentHostName(env). */
  readonly agentHost?: string | undefined;
  /** Default: env.MARATHON_APP_ID. */
  readonly appName?: string | undefined;
  /** The predecessor's scId label, as given. */
  readonly scId?: string | undefined;
  /** Extra fields (from berth.log.field.<name> labels); they never replace the fields above. */
  readonly extraFields?: Readonly<Record<string, string>> | undefined;
  /** Keys left out of every event, metadata and line fields alike. */
  readonly dropKeys?: Iterable<string> | undefined;
}

let cachedHostName: string | undefined;

/**
 * The agent's host name: MESOS_HOSTNAME (the agent's --hostname), else CLOUD_HOSTNAME (as the predecessor), else
 * os.hostname(), which is asked once per process (the predecessor asked per line: 1,200 lines/s).
 */
export function agentHostName(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const fromEnv = env.MESOS_HOSTNAME || env.CLOUD_HOSTNAME;
  if (fromEnv) return fromEnv;
  cachedHostName ??= hostname();
  return cachedHostName;
}

/** The task's metadata fields (frozen), from its identity and Berth's environment; absent values are left out. */
export function taskLogMetadata(identity: TaskLogIdentity, env: Readonly<Record<string, string | undefined>> = process.env): LogMetadata {
  const drop = new Set(identity.dropKeys ?? []);
  const fields: Record<string, FieldValue> = {};
  const put = (key: string, value: FieldValue | undefined): void => {
    // "__proto__" could not be a plain key of every object the events pass through: never a metadata key.
    if (value === undefined || value === "" || key === "__proto__" || drop.has(key) || Object.hasOwn(fields, key)) return;
    fields[key] = value;
  };
  put("task-id", identity.taskId);
  put("instance-id", identity.executorId);
  put("framework-id", identity.frameworkId);
  put("app", identity.appName ?? env.MARATHON_APP_ID);
  put("scid", scIdValue(identity.scId));
  put("srchost", identity.agentHost ?? agentHostName(env));
  put("region", env.CLOUD_REGION);
  put("zone", env.CLOUD_AVAILABILITY_ZONE);
  for (const [key, value] of Object.entries(identity.extraFields ?? {})) put(key, value);
  return Object.freeze(fields);
}

/** scId as the predecessor sent it: a number when it is an integer, else the text (so that nothing is lost). */
export function scIdValue(scId: string | undefined): FieldValue | undefined {
  if (scId === undefined) return undefined;
  const trimmed = scId.trim();
  return /^-?\d{1,15}$/.test(trimmed) ? Number(trimmed) : scId;
}

/** `metadata` plus the stream (and the hook's name for hook output), minus `dropKeys`: the fields of one capture, frozen. */
export function streamLogMetadata(metadata: LogMetadata, stream: LogStream, hook?: string, dropKeys: Iterable<string> = []): LogMetadata {
  const drop = new Set(dropKeys);
  const fields: Record<string, FieldValue> = {};
  for (const key of Object.keys(metadata)) if (!drop.has(key)) fields[key] = metadata[key] as FieldValue;
  if (!drop.has("stream")) fields.stream = stream;
  if (hook !== undefined && !drop.has("hook")) fields.hook = hook;
  return Object.freeze(fields);
}
