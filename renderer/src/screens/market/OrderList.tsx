import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../components/errors.ts';
import { FieldError } from '../../components/FieldError.tsx';
import { formatTime } from '../../i18n/index.ts';
import { useApp } from '../../state/store.ts';
import { OPEN_STATES, price, shortKey, type Currency, type Order } from './market-format.ts';
import { OrderActions } from './OrderActions.tsx';
import { usePolled } from './use-polled.ts';

type Role = 'all' | 'buyer' | 'seller' | 'moderator';
const ROLES: readonly Role[] = ['all', 'buyer', 'seller', 'moderator'];

/** My orders, as buyer, seller or moderator: each with its state in words and exactly the actions the chain would accept now. */
export function OrderList(props: { readonly identityId: string; readonly currency: Currency }) {
  const { t } = useTranslation('market');
  const client = useApp((s) => s.client)!;
  const [role, setRole] = useState<Role>('all');
  const load = useCallback(() => client.call('market.orders', { identity_id: props.identityId, ...(role === 'all' ? {} : { role }) }), [client, props.identityId, role]);
  const orders = usePolled(load, `orders|${props.identityId}|${role}`);
  const list = orders.data?.orders ?? null;

  return (
    <section aria-labelledby="market-orders-title">
      <h2 id="market-orders-title" tabIndex={-1}>
        {t('orders.title')}
      </h2>
      <div className="form-row">
        <label htmlFor="orders-role">{t('orders.role')}</label>
        <select id="orders-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`orders.roles.${r}`)}
            </option>
          ))}
        </select>
      </div>
      <FieldError error={orders.error ? describeError(orders.error, t) : null} />
      {list === null && !orders.error && <p className="loading">{t('loading')}</p>}
      {list !== null && list.length === 0 && <p className="empty-text">{t('orders.empty')}</p>}
      {list !== null && list.length > 0 && (
        <ul className="market-orders" data-testid="orders">
          {list.map((o) => (
            <OrderItem key={o.id} order={o} identityId={props.identityId} currency={props.currency} onChanged={() => void orders.reload()} />
          ))}
        </ul>
      )}
    </section>
  );
}

function OrderItem(props: { readonly order: Order; readonly identityId: string; readonly currency: Currency; readonly onChanged: () => void }) {
  const { t, i18n } = useTranslation('market');
  const { order, currency } = props;
  const language = i18n.language;
  const money = (units: number) => price(t, units, language, currency);
  const other = order.role === 'buyer' ? order.seller : order.buyer;
  return (
    <li data-testid="order" data-state={order.state} data-order-id={order.id}>
      <h3>{order.title}</h3>
      <p className="market-order-state" data-testid="order-state">
        {t(`states.${order.state}`)}
      </p>
      <dl className="market-facts">
        <div>
          <dt>{t('orders.amount')}</dt>
          <dd>{money(order.amount)}</dd>
        </div>
        <div>
          <dt>{t('orders.yourRole')}</dt>
          <dd>{t(`orders.as.${order.role ?? 'none'}`)}</dd>
        </div>
        <div>
          <dt>{t(order.role === 'buyer' ? 'orders.seller' : 'orders.buyer')}</dt>
          <dd dir="ltr" className="market-key">
            {shortKey(other)}
          </dd>
        </div>
        <div>
          <dt>{t('orders.moderatorFee')}</dt>
          <dd>{money(order.moderator_fee)}</dd>
        </div>
        {OPEN_STATES.includes(order.state) && (
          <div>
            <dt>{t('orders.timeout')}</dt>
            <dd>{formatTime(order.timeout_at, language)}</dd>
          </div>
        )}
        {order.dispute && (
          <div>
            <dt>{t('orders.claim')}</dt>
            <dd className="market-text">{order.dispute.claim}</dd>
          </div>
        )}
        {order.decision && (
          <div>
            <dt>{t('orders.decision')}</dt>
            <dd>{t('orders.split', { buyer: money(order.decision.buyer), seller: money(order.decision.seller) })}</dd>
          </div>
        )}
        {order.paid && (
          <div>
            <dt>{t('orders.paidOut')}</dt>
            <dd>{t('orders.paidSplit', { buyer: money(order.paid.buyer), seller: money(order.paid.seller), moderator: money(order.paid.moderator), fee: money(order.paid.fee) })}</dd>
          </div>
        )}
        {order.rated && (
          <div>
            <dt>{t('orders.rating')}</dt>
            <dd>{t('orders.rated')}</dd>
          </div>
        )}
      </dl>
      {(order.chat_id || order.dispute_chat_id) && (
        <div className="button-row">
          {order.chat_id && (
            <button type="button" className="secondary" onClick={() => void useApp.getState().openChat(order.chat_id!)}>
              {t(order.role === 'buyer' ? 'orders.chatWithSeller' : 'orders.chatWithBuyer')}
            </button>
          )}
          {order.dispute_chat_id && (
            <button type="button" className="secondary" data-testid="open-dispute-chat" onClick={() => void useApp.getState().openChat(order.dispute_chat_id!)}>
              {t('orders.disputeChat')}
            </button>
          )}
        </div>
      )}
      <OrderActions order={order} identityId={props.identityId} currency={currency} onChanged={props.onChanged} />
    </li>
  );
}
