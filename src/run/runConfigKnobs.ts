// The keys of `berth run`'s config file (JSON; every key optional), validated by runConfig.ts, whose schema must have
// exactly these keys (checked by the compiler there) and takes its literal defaults from here.
import type { ConfigKnob } from "../knob.js";

const PROBE = "`protocol` (`http`, `https`, `tcp`, `command`), `port`, `path` (`/`), `command` (argv)";

export const RUN_CONFIG_KNOBS = {
  name: { type: "string", defaultText: "the program's name", description: "The task's name (`--name` wins)." },
  env: { type: "object", default: {}, description: "Added to the task's environment." },
  killGracePeriodSeconds: { type: "seconds", default: 3, description: "Time between the stop signal and SIGKILL (Mesos' default)." },
  stopSignal: { type: "signal", default: "SIGTERM", description: "Any catchable signal." },
  drainSeconds: { type: "seconds", default: 0, description: "Wait between the preKill hooks and the stop signal." },
  maxCompletionSeconds: { type: "seconds", defaultText: "none", description: "Kill the task (exit 1) when it runs longer." },
  healthCheck: {
    type: "object",
    defaultText: "none",
    description: `${PROBE}, \`delaySeconds\` 15, \`intervalSeconds\` 10, \`timeoutSeconds\` 20, \`consecutiveFailures\` 3, \`gracePeriodSeconds\` 10 (Mesos' defaults); kills after \`consecutiveFailures\` failures in a row.`,
  },
  readinessCheck: {
    type: "object",
    defaultText: "none",
    description: "The same probe fields plus `successes` 1; `delaySeconds` 0, `intervalSeconds` 1, `timeoutSeconds` 1; gates the `healthy` hooks, never kills.",
  },
  check: { type: "object", defaultText: "none", description: "The same probe fields; only reports its status." },
  haproxy: {
    type: "object",
    defaultText: "none",
    description:
      "`{ \"backends\": [\"web\"], \"port\": 8080, \"weight\"?, \"drainTimeoutSeconds\"?, \"check\"? }`: register the task in HAProxy as `berth.haproxy.*` does (the Runtime API from `BERTH_HAPROXY_SOCKET`; address `BERTH_ADVERTISE_ADDRESS`, default 127.0.0.1).",
  },
  consul: {
    type: "object",
    defaultText: "none",
    description:
      "`{ \"services\": [{ \"name\", \"port\", \"tags\"? }] }`: register in Consul as the `consul` label does (`CONSUL_HTTP_ADDR`, `CONSUL_HTTP_TOKEN`, `BERTH_CONSUL_*`; service ID `<task id>_<name>_<port>`).",
  },
  configService: {
    type: "object",
    defaultText: "none",
    description: "`{ \"app\": \"…\" }`: the app name for the config service (default `MARATHON_APP_ID`); the service is fetched whenever `BERTH_CONFIG_SERVICE_URL` is set, as under Mesos.",
  },
  vault: { type: "object", defaultText: "none", description: "`{ \"ENV_NAME\": \"<mount>/<path>#<field>\" }`: Vault secrets into the environment, as `berth.vault.*` (needs `VAULT_ADDR`)." },
  validateCertificate: {
    type: "boolean",
    default: false,
    description: "`true`: as the `validate-certificate` label (refuse an expired client certificate; a graceful kill before it expires).",
  },
  hooks: {
    type: "array",
    default: [],
    description: "Hooks in file order (see \"Hooks in a config file\"); the http and sleep hooks are the labels' `berth.hook.<name>.http` / `.sleep-seconds`.",
  },
} as const satisfies Readonly<Record<string, ConfigKnob>>;

export type RunConfigKey = keyof typeof RUN_CONFIG_KNOBS;
