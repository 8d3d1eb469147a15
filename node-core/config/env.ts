/**
 * Environment variables understood by dchat. The `DCHAT_*` names and the unprefixed names both
 * come from the operators' deployment guides; when several names feed one key, the first one in
 * this table that is set wins (DCHAT_* names come first).
 */

export type EnvValueType = 'string' | 'int' | 'number' | 'bool' | 'list' | 'rust-log';

export interface EnvBinding {
  readonly env: string;
  readonly key: string;
  readonly type: EnvValueType;
  /** For path-valued names like LOG_DIR that point at a directory instead of the key's file. */
  readonly transform?: (value: string) => string;
}

export const ENV_BINDINGS: readonly EnvBinding[] = [
  { env: 'DCHAT_DATA_DIR', key: 'node.data_dir', type: 'string' },
  { env: 'DCHAT_DB_PATH', key: 'node.data_dir', type: 'string' },
  { env: 'DCHAT_NODE_ROLE', key: 'node.role', type: 'string' },
  { env: 'DCHAT_NETWORK', key: 'node.network', type: 'string' },
  { env: 'DCHAT_CHAIN_ID', key: 'node.chain_id', type: 'string' },
  { env: 'DCHAT_ENV', key: 'node.environment', type: 'string' },

  { env: 'DCHAT_API_HOST', key: 'server.host', type: 'string' },
  { env: 'DCHAT_HOST', key: 'server.host', type: 'string' },
  { env: 'DCHAT_API_PORT', key: 'server.api_port', type: 'int' },
  { env: 'DCHAT_METRICS_PORT', key: 'server.metrics_port', type: 'int' },
  { env: 'DCHAT_P2P_ENABLED', key: 'server.p2p_enabled', type: 'bool' },
  { env: 'DCHAT_P2P_HOST', key: 'server.p2p_host', type: 'string' },
  { env: 'DCHAT_RELAY_PORT', key: 'server.p2p_port', type: 'int' },
  { env: 'DCHAT_P2P_PORT', key: 'server.p2p_port', type: 'int' },
  { env: 'DCHAT_P2P_WS_PORT', key: 'server.p2p_ws_port', type: 'int' },
  { env: 'DCHAT_API_WORKERS', key: 'server.worker_threads', type: 'int' },
  { env: 'TOKIO_WORKER_THREADS', key: 'server.worker_threads', type: 'int' },
  { env: 'DCHAT_REQUEST_TIMEOUT_SECS', key: 'server.request_timeout_secs', type: 'int' },
  { env: 'DCHAT_PUBLIC_HOSTS', key: 'server.public_hosts', type: 'list' },
  { env: 'DCHAT_MAX_HTTP_CONNECTIONS', key: 'server.max_connections', type: 'int' },
  { env: 'DCHAT_MEMORY_MODE', key: 'server.memory_mode', type: 'string' },

  { env: 'DCHAT_DATABASE_URL', key: 'database.url', type: 'string' },
  { env: 'DATABASE_URL', key: 'database.url', type: 'string' },
  { env: 'DCHAT_DB_BACKUP_PATH', key: 'database.backup_path', type: 'string' },
  { env: 'DATABASE_MAX_CONNECTIONS', key: 'database.max_connections', type: 'int' },
  { env: 'DATABASE_STATEMENT_CACHE_SIZE', key: 'database.statement_cache_size', type: 'int' },

  { env: 'CHAT_CHAIN_RPC', key: 'chain.chat_chain_rpc', type: 'string' },
  { env: 'CURRENCY_CHAIN_RPC', key: 'chain.currency_chain_rpc', type: 'string' },
  { env: 'DCHAT_GENESIS_FILE', key: 'chain.genesis_file', type: 'string' },
  { env: 'DCHAT_VALIDATOR_KEY_FILE', key: 'chain.validator_key_file', type: 'string' },

  { env: 'DCHAT_HOME_RELAYS', key: 'relay.home_relays', type: 'list' },
  { env: 'DCHAT_RELAY_BOOTSTRAP_NODES', key: 'relay.bootstrap_nodes', type: 'list' },
  { env: 'RELAY_BOOTSTRAP_NODES', key: 'relay.bootstrap_nodes', type: 'list' },
  { env: 'RELAY_EXTERNAL_ADDRESSES', key: 'relay.external_addresses', type: 'list' },
  { env: 'DCHAT_RELAY_BALANCER_ADDRESSES', key: 'relay.balancer_addresses', type: 'list' },
  { env: 'DCHAT_RELAY_MAX_PEERS', key: 'relay.max_peers', type: 'int' },
  { env: 'DCHAT_RELAY_UPTIME_TARGET', key: 'relay.uptime_target', type: 'number' },

  { env: 'DCHAT_MSG_TTL_HOURS', key: 'messages.ttl_hours', type: 'number' },
  { env: 'DCHAT_MSG_MAX_SIZE_MB', key: 'messages.max_size_mb', type: 'number' },

  { env: 'DCHAT_ENABLE_METRICS', key: 'observability.metrics_enabled', type: 'bool' },
  { env: 'JAEGER_ENDPOINT', key: 'observability.jaeger_endpoint', type: 'string' },
  { env: 'PROMETHEUS_PUSHGATEWAY', key: 'observability.prometheus_pushgateway', type: 'string' },

  { env: 'MARKETPLACE_CACHE_SIZE', key: 'marketplace.cache_size', type: 'int' },
  { env: 'DCHAT_MARKETPLACE_ESCROW_TIMEOUT_SECS', key: 'marketplace.escrow_timeout_secs', type: 'int' },
  { env: 'BRIDGE_TX_TIMEOUT_SECS', key: 'bridge.transaction_timeout_secs', type: 'int' },
  { env: 'DCHAT_BRIDGE_RELAYER', key: 'bridge.relayer', type: 'string' },
  { env: 'DCHAT_DELIVERY_PROOF_BATCH', key: 'relay.delivery_proof_batch', type: 'int' },

  { env: 'DCHAT_LOG_LEVEL', key: 'logging.level', type: 'string' },
  { env: 'RUST_LOG', key: 'logging.level', type: 'rust-log' },
  { env: 'DCHAT_LOG_FORMAT', key: 'logging.format', type: 'string' },
  { env: 'DCHAT_LOG_FILE', key: 'logging.file_path', type: 'string' },
  { env: 'LOG_DIR', key: 'logging.file_path', type: 'string', transform: (dir) => `${dir.replace(/\/+$/, '')}/dchat.log` },

  { env: 'DCHAT_TLS_ENABLED', key: 'security.tls_enabled', type: 'bool' },
  { env: 'DCHAT_TLS_CERT', key: 'security.tls_cert_path', type: 'string' },
  { env: 'TLS_CERT_PATH', key: 'security.tls_cert_path', type: 'string' },
  { env: 'DCHAT_TLS_KEY', key: 'security.tls_key_path', type: 'string' },
  { env: 'TLS_KEY_PATH', key: 'security.tls_key_path', type: 'string' },
  { env: 'DCHAT_CORS_ALLOWED_ORIGINS', key: 'security.cors_allowed_origins', type: 'list' },
  { env: 'CORS_ALLOWED_ORIGINS', key: 'security.cors_allowed_origins', type: 'list' },
  { env: 'DCHAT_RATE_LIMIT_ENABLED', key: 'security.rate_limit_enabled', type: 'bool' },
  { env: 'DCHAT_RATE_LIMIT_REQUESTS_PER_SECOND', key: 'security.rate_limit_requests_per_sec', type: 'int' },
  { env: 'DCHAT_BOTS_WEBHOOK_ALLOW_HOSTS', key: 'bots.webhook_allow_hosts', type: 'list' },
  { env: 'JWT_SECRET', key: 'security.jwt_secret', type: 'string' },
];

/** Names read elsewhere, so they are not reported as unknown. */
export const OTHER_KNOWN_ENV = new Set(['DCHAT_CONFIG']);

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/**
 * An env file line like `DCHAT_NODE_ROLE=relay  # or 'user'` (as in the production guide) reaches
 * us with its comment when loaded by systemd's EnvironmentFile=, which does not strip it.
 */
export function stripInlineComment(raw: string): string {
  const match = /^(.*?)\s+#.*$/s.exec(raw);
  return (match ? match[1]! : raw).trim();
}

/**
 * Converts the string an operator wrote into the key's type. A value that does not convert is
 * returned unchanged so schema validation reports it with the key and what was expected.
 */
export function convertEnvValue(binding: EnvBinding, raw: string): unknown {
  const text = stripInlineComment(raw);
  switch (binding.type) {
    case 'string':
      return binding.transform ? binding.transform(text) : text;
    case 'int':
    case 'number': {
      if (text === '') return text;
      const n = Number(text);
      return Number.isFinite(n) ? n : text;
    }
    case 'bool': {
      const lower = text.toLowerCase();
      if (TRUE.has(lower)) return true;
      if (FALSE.has(lower)) return false;
      return text;
    }
    case 'list':
      return text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0);
    case 'rust-log':
      return levelFromRustLog(text);
  }
}

/**
 * RUST_LOG (`info,dchat=debug`) from the original deployment guides: the `dchat=` directive wins,
 * then the first bare level. Unrecognised directives give back the raw text so validation names it.
 */
export function levelFromRustLog(text: string): string {
  const directives = text.split(',').map((d) => d.trim());
  const own = directives.find((d) => d.startsWith('dchat='));
  const level = own ? own.slice('dchat='.length) : directives.find((d) => !d.includes('='));
  return (level ?? text).toLowerCase();
}
