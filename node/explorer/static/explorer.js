// The explorer's one page: draws the view the path names from /explorer/api/ JSON, and follows
// new blocks over the node's WebSocket (eth_subscribe newHeads) to keep the latest view live.
"use strict";

const BASE = "/explorer/";
const view = document.getElementById("view");
const live = document.getElementById("live");
let currentPath = "";
let refreshLatest = null; // set while the latest view is shown

function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
  })[c]);
}

function link(path, text, cls = "mono") {
  return `<a class="${cls}" href="${BASE}${esc(path)}" data-nav>${esc(text)}</a>`;
}

function short(hash) {
  return hash && hash.length > 18 ? `${hash.slice(0, 10)}…${hash.slice(-6)}` : hash;
}

function addr(address) {
  return address ? link(`address/${address}`, address) : '<span class="muted">contract creation</span>';
}

function badge(text) {
  const cls = String(text).replace(/[^a-z_]/gi, "_").toLowerCase();
  return `<span class="badge ${cls}">${esc(String(text).replace(/_/g, " "))}</span>`;
}

// An integer amount (decimal string) in a token's units, exactly (BigInt, no float rounding).
function units(amount, decimals) {
  const value = BigInt(amount);
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = decimals ? digits.slice(digits.length - decimals).replace(/0+$/, "") : "";
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return (negative ? "-" : "") + grouped + (fraction ? "." + fraction : "");
}

function wad(amount, places = 4) {
  if (amount === null || amount === undefined) return "—";
  const text = units(amount, 18);
  const [whole, fraction = ""] = text.split(".");
  return fraction ? `${whole}.${fraction.slice(0, places)}` : whole;
}

function time(seconds) {
  return new Date(seconds * 1000).toISOString().replace("T", " ").replace(".000Z", " UTC");
}

async function getJson(path) {
  const response = await fetch(`${BASE}api/${path}`);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

function showError(error) {
  view.innerHTML = `<div class="panel"><p class="error" id="error">${esc(error.message)}</p></div>`;
}

function table(id, headers, rows, empty = "none") {
  if (!rows.length) return `<p class="muted" id="${id}">${esc(empty)}</p>`;
  return `<table id="${id}"><thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead>
    <tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

// Views ------------------------------------------------------------------------------------

async function showLatest() {
  const data = await getJson("overview");
  const cards = [
    ["Head (unsafe)", data.heads.unsafe, "head-unsafe"],
    ["Safe", data.heads.safe, "head-safe"],
    ["Finalized", data.heads.finalized, "head-finalized"],
    ["L1 head", data.l1Head ?? "—", "head-l1"],
  ];
  view.innerHTML = `
    <h1 id="view-title">Latest blocks and transactions</h1>
    <p class="muted">Chain ${data.chainId}, served by the ${esc(data.role)}.</p>
    <div class="cards">${cards.map(([label, value, id]) =>
      `<div class="card"><div class="label">${label}</div><div class="value" id="${id}">${esc(value)}</div></div>`).join("")}</div>
    <div class="grid">
      <section class="panel"><h2>Latest blocks</h2>${table("latest-blocks",
        ["Block", "Age", "Txs", "Gas used"],
        data.blocks.map((b) => [link(`block/${b.number}`, b.number), esc(time(b.timestamp)),
          `<span class="num">${b.transactionCount}</span>`, b.gasUsed.toLocaleString("en")]))}</section>
      <section class="panel"><h2>Latest transactions</h2>${table("latest-transactions",
        ["Hash", "Block", "From", "Call"],
        data.transactions.map((t) => [link(`tx/${t.hash}`, short(t.hash)),
          t.blockNumber === null ? "pending" : link(`block/${t.blockNumber}`, t.blockNumber),
          link(`address/${t.from}`, short(t.from)),
          t.method ? esc(`${t.contract}.${t.method}`) : (t.to ? "transfer" : "create")]),
        "no transactions in the latest blocks")}</section>
    </div>`;
}

async function showBlock(ident) {
  const b = await getJson(`block/${encodeURIComponent(ident)}`);
  view.innerHTML = `
    <h1 id="view-title">Block ${b.number}</h1>
    <section class="panel"><dl>
      <dt>Hash</dt><dd class="mono">${esc(b.hash)}</dd>
      <dt>Parent</dt><dd>${b.number > 0 ? link(`block/${b.number - 1}`, b.parentHash) : esc(b.parentHash)}</dd>
      <dt>Finality</dt><dd id="finality">${badge(b.finality)}</dd>
      <dt>Timestamp</dt><dd>${esc(time(b.timestamp))}</dd>
      <dt>L1 origin</dt><dd class="mono">${esc(b.l1Origin.number)} (${esc(b.l1Origin.hash)})</dd>
      <dt>State root</dt><dd class="mono">${esc(b.stateRoot)}</dd>
      <dt>Gas used / limit</dt><dd>${b.gasUsed.toLocaleString("en")} / ${b.gasLimit.toLocaleString("en")}</dd>
      <dt>Base fee</dt><dd>${esc(units(b.baseFeePerGas, 9))} gwei</dd>
    </dl></section>
    <section class="panel"><h2>Transactions (${b.transactionCount})</h2>${table("block-transactions",
      ["Hash", "From", "To", "Call", "Value (ETH)"],
      b.transactions.map((t) => [link(`tx/${t.hash}`, short(t.hash)), addr(t.from), t.to ? addr(t.to) : "—",
        t.method ? esc(`${t.contract}.${t.method}`) : (t.type === 126 ? "deposit" : "transfer"),
        `<span class="num">${esc(units(t.value, 18))}</span>`]))}</section>`;
}

function argumentsTable(id, args) {
  return table(id, ["Name", "Type", "Value"], args.map((a) => [esc(a.name), esc(a.type),
    a.type === "address" ? addr(a.value) : `<span class="mono">${esc(a.value)}</span>`]));
}

async function showTransaction(hash) {
  const page = await getJson(`tx/${encodeURIComponent(hash)}`);
  const tx = page.transaction;
  const r = page.receipt;
  const call = page.call;
  const events = page.events.map((e) => `<div class="panel event">
      <h2>${e.decoded ? esc(`${e.decoded.contract}.${e.decoded.event}`) : "unknown event"}
        <span class="muted">log ${e.logIndex} of ${addr(e.address)}</span></h2>
      ${e.decoded ? argumentsTable(`event-${e.logIndex}`, e.decoded.args)
        : `<p class="mono">${esc(e.topics.join(" "))} ${esc(e.data)}</p>`}</div>`).join("");
  view.innerHTML = `
    <h1 id="view-title">Transaction ${esc(tx.hash)}</h1>
    <section class="panel"><dl>
      <dt>Status</dt><dd id="tx-status">${badge(page.status)} ${page.finality ? badge(page.finality) : ""}</dd>
      ${page.revertReason !== undefined ? `<dt>Revert reason</dt><dd id="revert-reason" class="error">${esc(page.revertReason)}</dd>` : ""}
      <dt>Block</dt><dd>${tx.blockNumber ? link(`block/${parseInt(tx.blockNumber, 16)}`, parseInt(tx.blockNumber, 16)) : "pending"}</dd>
      <dt>From</dt><dd>${addr(tx.from)}</dd>
      <dt>To</dt><dd>${addr(tx.to)}${page.toName ? ` <span class="badge">${esc(page.toName)}</span>` : ""}</dd>
      <dt>Value</dt><dd>${esc(units(BigInt(tx.value).toString(), 18))} ETH</dd>
      <dt>Nonce</dt><dd>${parseInt(tx.nonce, 16)}</dd>
      ${r ? `<dt>Gas used</dt><dd>${parseInt(r.gasUsed, 16).toLocaleString("en")} at ${esc(units(BigInt(r.effectiveGasPrice).toString(), 9))} gwei</dd>` : ""}
    </dl></section>
    <section class="panel"><h2 id="call-title">${call ? esc(`${call.contract}.${call.function}`) : "Call"}</h2>
      ${call ? `<p class="mono muted">${esc(call.signature)}</p>${argumentsTable("call-arguments", call.args)}`
        : `<p class="mono">${esc(tx.input === "0x" ? "no calldata (an ETH transfer)" : tx.input)}</p>`}</section>
    <h2>Events (${page.events.length})</h2>
    <div id="events">${events || '<p class="muted">none</p>'}</div>`;
}

async function showAddress(address) {
  const a = await getJson(`address/${encodeURIComponent(address)}`);
  const lending = a.lending;
  const health = BigInt(lending.healthFactor) >= (1n << 255n) ? "∞ (no debt)" : wad(lending.healthFactor, 3);
  view.innerHTML = `
    <h1 id="view-title">Account ${esc(a.address)}${a.name ? ` <span class="badge">${esc(a.name)}</span>` : ""}</h1>
    <div class="cards">
      <div class="card"><div class="label">ETH</div><div class="value" id="eth-balance">${esc(units(a.balance, 18))}</div></div>
      <div class="card"><div class="label">Nonce</div><div class="value">${a.nonce}</div></div>
      <div class="card"><div class="label">Health factor</div><div class="value" id="health-factor">${esc(health)}</div></div>
      <div class="card"><div class="label">Leverage</div><div class="value" id="leverage">${lending.leverage ? esc(wad(lending.leverage, 2)) + "x" : "—"}</div></div>
    </div>
    <div class="grid">
      <section class="panel"><h2>Token balances</h2>${table("token-balances", ["Token", "Balance"],
        a.tokens.map((t) => [link(`address/${t.address}`, t.symbol, ""), `<span class="num">${esc(units(t.balance, t.decimals))}</span>`]))}</section>
      <section class="panel"><h2>Lending</h2><dl>
        <dt>Collateral value</dt><dd>${esc(wad(lending.collateralValue, 2))} USD</dd>
        <dt>Debt value</dt><dd>${esc(wad(lending.debtValue, 2))} USD</dd>
        <dt>Borrow limit</dt><dd>${esc(wad(lending.borrowLimit, 2))} USD</dd>
        <dt>Liquidation limit</dt><dd>${esc(wad(lending.liquidationLimit, 2))} USD</dd>
      </dl>${table("lending-positions", ["Asset", "Supplied", "Borrowed"],
        lending.positions.map((p) => [esc(p.symbol), esc(units(p.supplied, p.decimals)), esc(units(p.borrowed, p.decimals))]),
        "no lending positions")}</section>
    </div>
    <section class="panel"><h2>Transactions sent (newest first)</h2>${table("account-transactions", ["Hash", "Block", "To", "Call"],
      a.transactions.map((t) => [link(`tx/${t.hash}`, short(t.hash)), link(`block/${t.blockNumber}`, t.blockNumber),
        t.to ? addr(t.to) : "—", t.method ? esc(`${t.contract}.${t.method}`) : "transfer"]), "none")}</section>
    <section class="panel"><h2>Liquidity (AMM)</h2>${table("lp-positions", ["Pool", "LP tokens", "Share of reserves"],
      a.liquidity.map((l) => [esc(`${l.token0.symbol}/${l.token1.symbol}`), esc(l.liquidity),
        esc(`${units(l.amount0, l.token0.decimals)} ${l.token0.symbol} + ${units(l.amount1, l.token1.decimals)} ${l.token1.symbol}`)]),
      "no liquidity provided")}</section>
    <section class="panel"><h2>Leverage positions opened and closed</h2>${table("leverage-events", ["Block", "Event", "Details"],
      a.leverageEvents.map((e) => [link(`tx/${e.transactionHash}`, e.blockNumber),
        esc(e.decoded.event), esc(e.decoded.args.filter((x) => !x.indexed || x.name !== "account").map((x) => `${x.name}=${x.value}`).join(", "))]),
      "no leveraged positions")}</section>
    <section class="panel"><h2>Perpetuals</h2>${table("perps-positions",
      ["Market", "Side", "Size", "Entry", "Index", "Margin", "PnL", "Funding", "Liq. price", "Health", "Leverage"],
      a.perps.map((p) => [esc(`${p.symbol}-PERP`), esc(p.side), `<span class="num">${esc(units(p.size, 18))}</span>`,
        esc(wad(p.entryPrice, 2)), esc(wad(p.indexPrice, 2)), esc(wad(p.margin, 2)), esc(wad(p.pnl, 2)),
        esc(wad(p.funding, 6)), esc(p.liquidationPrice === null ? "—" : wad(p.liquidationPrice, 2)),
        esc(p.health === null ? "—" : wad(p.health, 3)), esc(p.leverage === null ? "—" : wad(p.leverage, 2) + "x")]),
      "no perps positions")}
      ${table("perps-events", ["Block", "Event", "Details"],
      a.perpsEvents.map((e) => [link(`tx/${e.transactionHash}`, e.blockNumber),
        esc(e.decoded.event), esc(e.decoded.args.filter((x) => x.name !== "account").map((x) => `${x.name}=${x.value}`).join(", "))]),
      "no perps trades")}</section>
    <section class="panel"><h2>Withdrawals to L1</h2>${table("withdrawals", ["#", "Block", "Amount", "L1 recipient", "L2", "On L1"],
      a.withdrawals.map((w) => [esc(w.index), link(`tx/${w.transactionHash}`, w.blockNumber), esc(units(w.amount, 18)),
        addr(w.l1Recipient), badge(w.l2Finality), w.l1Status ? badge(w.l1Status) : '<span class="muted">no L1</span>']),
      "no withdrawals")}</section>`;
}

async function showSettlement() {
  const s = await getJson("settlement");
  const heads = s.heads;
  const batcher = s.batcher || {};
  view.innerHTML = `
    <h1 id="view-title">Settlement on L1</h1>
    <div class="cards">
      <div class="card"><div class="label">Head (unsafe)</div><div class="value">${heads.unsafe.number}</div></div>
      <div class="card"><div class="label">Safe (batch on L1)</div><div class="value" id="settlement-safe">${heads.safe.number}</div></div>
      <div class="card"><div class="label">Finalized (output final)</div><div class="value" id="settlement-finalized">${heads.finalized.number}</div></div>
      <div class="card"><div class="label">L1 head</div><div class="value">${s.l1 ? s.l1.head : "—"}</div></div>
    </div>
    ${s.l1 ? "" : '<p class="muted" id="no-l1">This node does not follow L1.</p>'}
    ${batcher.batches_posted !== undefined ? `<section class="panel"><h2>Batcher</h2><dl>
      <dt>Batches posted</dt><dd>${batcher.batches_posted} (${batcher.batch_bytes} bytes, ${batcher.batch_gas} gas)</dd>
      <dt>Outputs proposed</dt><dd>${batcher.outputs_proposed} (${batcher.output_gas} gas)</dd></dl></section>` : ""}
    ${s.l1 ? `
    <section class="panel"><h2>Batches</h2>${table("batches", ["#", "L1 block", "L1 transaction", "Bytes"],
      s.batches.map((b) => [esc(b.index), esc(b.l1Block), `<span class="mono">${esc(b.l1TransactionHash)}</span>`, `<span class="num">${b.calldataBytes}</span>`]),
      "no batches yet")}</section>
    <section class="panel"><h2>Outputs</h2>${table("outputs", ["#", "L2 block", "Output root", "Status", "Proposed", "Finalizes"],
      s.outputs.map((o) => [esc(o.index), link(`block/${o.l2Block}`, o.l2Block), `<span class="mono">${esc(short(o.outputRoot))}</span>`,
        badge(o.status), esc(time(o.proposedAt)), esc(time(o.finalizesAt))]),
      "no outputs yet")}</section>
    <section class="panel"><h2>Dispute games</h2>${table("games", ["Game", "Output", "L2 block", "Status", "Moves"],
      s.games.map((g) => [esc(g.id), esc(g.outputIndex), esc(g.l2Block), badge(g.status),
        `<ol class="moves">${g.moves.map((m) => `<li>${esc(m.kind)} in L1 block ${esc(m.l1Block)}${m.position !== undefined ? ` at step ${esc(m.position)}` : ""}${m.agree !== undefined ? ` (${m.agree ? "agree" : "disagree"}: ${esc(m.lo)}..${esc(m.hi)})` : ""}${m.result ? ` → ${esc(m.result)}` : ""}</li>`).join("")}</ol>`]),
      "no dispute games")}</section>` : ""}`;
}

// Routing -----------------------------------------------------------------------------------

async function route() {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : "";
  currentPath = path;
  refreshLatest = null;
  const [kind, arg] = path.split("/");
  try {
    if (!kind) { await showLatest(); refreshLatest = showLatest; }
    else if (kind === "block") await showBlock(arg);
    else if (kind === "tx") await showTransaction(arg);
    else if (kind === "address") await showAddress(arg);
    else if (kind === "settlement") await showSettlement();
    else throw new Error(`no such page: ${path}`);
  } catch (error) {
    if (currentPath === path) showError(error);
  }
}

function navigate(path) {
  history.pushState(null, "", BASE + path);
  route();
}

document.addEventListener("click", (event) => {
  const anchor = event.target.closest("a[data-nav], header a");
  if (!anchor || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  navigate(anchor.getAttribute("href").slice(BASE.length));
});
window.addEventListener("popstate", route);

document.getElementById("search").addEventListener("submit", async (event) => {
  event.preventDefault();
  const query = document.getElementById("search-input").value;
  try {
    const found = await getJson(`search?q=${encodeURIComponent(query)}`);
    navigate(found.path);
  } catch (error) {
    history.pushState(null, "", BASE + "search");
    currentPath = "search";
    showError(error);
  }
});

// Live updates: a newHeads subscription on the node's own WebSocket; polling if it is down.
let pending = false;
function onNewHead() {
  if (!refreshLatest || pending) return;
  pending = true;
  setTimeout(async () => {
    pending = false;
    if (refreshLatest) { try { await refreshLatest(); } catch (error) { /* the next head retries */ } }
  }, 250);
}

function connect() {
  const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/`);
  socket.onopen = () => {
    socket.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_subscribe", params: ["newHeads"] }));
    live.textContent = "live";
    live.className = "live on";
  };
  socket.onmessage = (message) => {
    const data = JSON.parse(message.data);
    if (data.method === "eth_subscription") onNewHead();
  };
  socket.onclose = () => {
    live.textContent = "offline";
    live.className = "live off";
    setTimeout(connect, 2000);
  };
}

route();
connect();
