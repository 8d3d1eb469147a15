import { z } from 'zod';
import { relayAddressProblem } from '../util/relay-address.ts';

/**
 * The whole configuration surface of a dchat node. Section and key names follow the operators'
 * deployment guides (`[server]`, `[database]`, `[chain]`, ...), so their config.toml files load
 * unchanged. Keys whose capability is not built yet are listed in RESERVED_KEYS: they are
 * validated like any other key but have no effect, and the node says so at startup.
 */

const port = z.number().int().min(0).max(65535);
const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
const nonEmpty = z.string().min(1);
const seconds = positiveInt;

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** "auto": readable lines on a terminal, JSON lines (pino) for journald, files and pipes. */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const MEMORY_MODES = ['lean', 'throughput'] as const;
export type MemoryMode = (typeof MEMORY_MODES)[number];

export const NODE_ROLES = ['user', 'relay', 'validator'] as const;
export type NodeRole = (typeof NODE_ROLES)[number];

const nodeSection = z.object({
  role: z.enum(NODE_ROLES).default('user'),
  network: nonEmpty.default('devnet'),
  chain_id: nonEmpty.default('dchat-devnet'),
  environment: nonEmpty.default('development'),
  data_dir: nonEmpty.optional(),
});

const serverSection = z.object({
  host: nonEmpty.default('127.0.0.1'),
  api_port: port.default(8080),
  /** 0 = serve /metrics, /health and /ready on the API port only. */
  metrics_port: port.default(0),
  p2p_enabled: z.boolean().default(true),
  /** Address the libp2p transports listen on (all interfaces by default, so peers can reach us). */
  p2p_host: nonEmpty.default('0.0.0.0'),
  p2p_port: port.default(30333),
  p2p_ws_port: port.default(30334),
  worker_threads: positiveInt.optional(),
  request_timeout_secs: seconds.default(30),
  /** Host names (besides loopback names and IP literals) the API answers to, e.g. behind a proxy. */
  public_hosts: z.array(z.string().regex(/^[A-Za-z0-9.-]+$/, 'expected a host name without scheme or port')).default([]),
  /** Open HTTP connections at once; more wait in the kernel's backlog or are refused. */
  max_connections: positiveInt.default(512),
  /** How the JavaScript heap trades memory for speed (runtime/memory-mode.ts). */
  memory_mode: z.enum(MEMORY_MODES).default('throughput'),
});

const databaseSection = z.object({
  /** Alias of node.data_dir, the directory that holds dchat.db (the seeds' DCHAT_DB_PATH). */
  path: nonEmpty.optional(),
  /** PostgreSQL for a relay's state, shared by relay replicas; unset keeps it in dchat.db. */
  url: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\/[^/\s]+/.test(v), 'expected a postgres://user:password@host:port/database URL')
    .optional(),
  backup_path: nonEmpty.optional(),
  max_connections: positiveInt.default(20),
  statement_cache_size: positiveInt.default(100),
  connection_timeout_secs: seconds.default(10),
  idle_timeout_secs: seconds.default(300),
});

const chainSection = z.object({
  chat_chain_rpc: nonEmpty.optional(),
  currency_chain_rpc: nonEmpty.optional(),
  rpc_timeout_secs: seconds.default(30),
  /** Both chains' genesis (`dchat devnet init` writes one); without it the node runs its own single-validator local chains. */
  genesis_file: nonEmpty.optional(),
  /** The validator's Ed25519 consensus key (default <data_dir>/validator-key). */
  validator_key_file: nonEmpty.optional(),
});

const relaySection = z.object({
  /** Relays this node's identities choose to hold their mail (multiaddrs ending in /p2p/<peer id>). */
  home_relays: z
    .array(
      nonEmpty.superRefine((value, ctx) => {
        const problem = relayAddressProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: `expected a relay multiaddr (/ip4|/dns4/.../tcp/<port>[/ws]/p2p/<peer id>); it ${problem}` });
      }),
    )
    .default([]),
  bootstrap_nodes: z.array(nonEmpty).default([]),
  external_addresses: z.array(nonEmpty).default([]),
  /**
   * IP addresses of TCP load balancers in front of this relay (a relay cluster's HAProxy):
   * every peer behind one reaches us from its address, so per-address limits and bans do not
   * apply to connections from them (per-peer limits and bans still do).
   */
  balancer_addresses: z.array(z.string().regex(/^[0-9A-Fa-f.:]+$/, 'expected an IP address')).default([]),
  nat_upnp: z.boolean().default(false),
  nat_turn_servers: z.array(nonEmpty).default([]),
  max_peers: positiveInt.default(100),
  uptime_target: z.number().min(0).max(1).default(0.99),
  mailbox_max_messages_per_recipient: positiveInt.default(10000),
  mailbox_max_mb_per_recipient: z.number().positive().default(512),
  mailbox_max_total_mb: z.number().positive().default(4096),
  /** Messages a registered relay delivers to an identity here before it signs a proof of delivery on the chat chain (0 = never). */
  delivery_proof_batch: nonNegativeInt.default(50),
});

const messagesSection = z.object({
  /** Fractions are allowed (0.01 h = 36 s), which tests and small relays use. */
  ttl_hours: z.number().positive().max(24 * 365).default(72),
  max_size_mb: z.number().positive().max(4096).default(100),
});

const observabilitySection = z.object({
  metrics_enabled: z.boolean().default(true),
  jaeger_endpoint: nonEmpty.optional(),
  jaeger_sample_rate: z.number().min(0).max(1).default(0.1),
  prometheus_pushgateway: nonEmpty.optional(),
  prometheus_push_interval_secs: seconds.default(60),
  health_check_interval_secs: seconds.default(30),
});

const marketplaceSection = z.object({
  cache_size: positiveInt.default(10000),
  escrow_timeout_secs: seconds.default(86400),
  payment_confirmation_timeout_secs: seconds.default(300),
});

const bridgeSection = z.object({
  transaction_timeout_secs: seconds.default(300),
  finality_proof_timeout_secs: seconds.default(600),
  validator_quorum: positiveInt.default(2),
  state_snapshot_interval: positiveInt.default(1000),
  /** Relay bridge packets between the chains: 'auto' does when this node validates either chain. */
  relayer: z.enum(['auto', 'on', 'off']).default('auto'),
});

const accessibilitySection = z.object({
  wcag_strict_mode: z.boolean().default(true),
  keyboard_shortcut_conflict_check: z.boolean().default(true),
});

const loggingSection = z.object({
  level: z.enum(LOG_LEVELS).default('info'),
  format: z.enum(LOG_FORMATS).default('auto'),
  output: z.enum(['stdout', 'stderr', 'file']).default('stdout'),
  file_path: nonEmpty.optional(),
  max_file_size_mb: positiveInt.default(100),
  max_backups: nonNegativeInt.default(10),
});

const securitySection = z.object({
  tls_enabled: z.boolean().default(false),
  tls_cert_path: nonEmpty.optional(),
  tls_key_path: nonEmpty.optional(),
  cors_allowed_origins: z.array(nonEmpty).default([]),
  rate_limit_enabled: z.boolean().default(true),
  rate_limit_requests_per_sec: positiveInt.default(100),
  jwt_secret: nonEmpty.optional(),
});

const botsSection = z.object({
  /**
   * Webhook hosts the SSRF guard lets through as they are: plain http and private addresses
   * (a bot in the LAN, a proxy on 10.x). Exact host names or IP literals, no scheme or port.
   */
  webhook_allow_hosts: z.array(z.string().regex(/^[A-Za-z0-9.:-]+$/, 'expected a host name or IP address without scheme or port')).default([]),
});

export const configSchema = z
  .object({
    node: nodeSection.prefault({}),
    server: serverSection.prefault({}),
    database: databaseSection.prefault({}),
    chain: chainSection.prefault({}),
    relay: relaySection.prefault({}),
    messages: messagesSection.prefault({}),
    observability: observabilitySection.prefault({}),
    marketplace: marketplaceSection.prefault({}),
    bridge: bridgeSection.prefault({}),
    accessibility: accessibilitySection.prefault({}),
    logging: loggingSection.prefault({}),
    security: securitySection.prefault({}),
    bots: botsSection.prefault({}),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.security.tls_enabled) {
      for (const key of ['tls_cert_path', 'tls_key_path'] as const) {
        if (!cfg.security[key]) {
          ctx.addIssue({ code: 'custom', path: ['security', key], message: 'required when security.tls_enabled = true' });
        }
      }
    }
    if (cfg.logging.output === 'file' && !cfg.logging.file_path) {
      ctx.addIssue({ code: 'custom', path: ['logging', 'file_path'], message: 'required when logging.output = "file"' });
    }
    if (cfg.server.metrics_port !== 0 && cfg.server.metrics_port === cfg.server.api_port) {
      ctx.addIssue({
        code: 'custom',
        path: ['server', 'metrics_port'],
        message: 'must differ from server.api_port (use 0 to serve metrics on the API port)',
      });
    }
  });

export type DchatConfig = z.output<typeof configSchema>;

/** Section name -> key names, read off the schema (used to detect unknown keys). */
export function schemaKeys(): Map<string, Set<string>> {
  const sections = new Map<string, Set<string>>();
  const shape = configSchema.shape;
  for (const [section, sectionSchema] of Object.entries(shape)) {
    const inner = (sectionSchema as unknown as { def: { innerType: z.ZodObject } }).def.innerType;
    sections.set(section, new Set(Object.keys(inner.shape)));
  }
  return sections;
}

/**
 * Keys accepted for compatibility with the deployment guides whose capability arrives in a later
 * release. They are validated, documented in config.example.toml, and announced at startup when
 * set, but they change nothing.
 */
export const RESERVED_KEYS: Readonly<Record<string, string>> = {
  'server.worker_threads': 'Node.js serves requests on one event loop; worker pools are not configurable',
  'database.backup_path': 'built-in backups',
  'chain.chat_chain_rpc': 'the chat chain',
  'chain.currency_chain_rpc': 'the currency chain',
  'chain.rpc_timeout_secs': 'the chains',
  'relay.nat_turn_servers': 'TURN (libp2p traverses NATs with circuit relays and hole punching instead)',
  'observability.jaeger_endpoint': 'OpenTelemetry tracing',
  'observability.jaeger_sample_rate': 'OpenTelemetry tracing',
  'observability.prometheus_pushgateway': 'pushing metrics (scrape /metrics instead)',
  'observability.prometheus_push_interval_secs': 'pushing metrics (scrape /metrics instead)',
  'observability.health_check_interval_secs': 'internal health checks',
  'bridge.validator_quorum': 'the genesis quorum (each chain\'s genesis names its quorum; this key is informational)',
  'logging.max_file_size_mb': 'built-in log rotation (use logrotate; SIGHUP reopens the log file)',
  'logging.max_backups': 'built-in log rotation (use logrotate; SIGHUP reopens the log file)',
  'security.jwt_secret': 'JWT sessions (the API uses the bearer token in the data directory)',
};
