// What a dApp front end does with viem against the node, for tests/e2e/test_js_client.py:
// new blocks and a token's events over the WebSocket transport (eth_subscribe), and an event
// filter and a block filter polled over HTTP (eth_newFilter, eth_newBlockFilter,
// eth_getFilterChanges). Prints "ready" once everything is installed, then one JSON line with
// what it saw once the owner's Approval arrived both ways.
import { createPublicClient, http, parseAbiItem, webSocket } from "viem";

const [httpUrl, wsUrl, token, owner] = process.argv.slice(2);
const approval = parseAbiItem(
  "event Approval(address indexed owner, address indexed spender, uint256 value)",
);
const overHttp = createPublicClient({ transport: http(httpUrl) });
const overSocket = createPublicClient({ transport: webSocket(wsUrl) });

const blocks = [];
let socketEvent = null;
const unwatchBlocks = overSocket.watchBlocks({
  onBlock: (block) => blocks.push(Number(block.number)),
  onError: (error) => fail(`watchBlocks: ${error.message}`),
});
const unwatchEvent = overSocket.watchEvent({
  address: token,
  event: approval,
  args: { owner },
  onLogs: (logs) => (socketEvent ??= logs[0]),
  onError: (error) => fail(`watchEvent: ${error.message}`),
});
const eventFilter = await overHttp.createEventFilter({ address: token, event: approval, args: { owner } });
const blockFilter = await overHttp.createBlockFilter();
// Ready once a block has come over the socket: the node has answered the subscriptions sent
// before it on the same connection.
while (blocks.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
console.log("ready");

const deadline = Date.now() + 30_000;
let filterEvent = null;
const filterBlocks = [];
while (Date.now() < deadline && (filterEvent === null || socketEvent === null || blocks.length < 2)) {
  const changes = await overHttp.getFilterChanges({ filter: eventFilter });
  filterEvent ??= changes[0] ?? null;
  filterBlocks.push(...(await overHttp.getFilterChanges({ filter: blockFilter })));
  await new Promise((resolve) => setTimeout(resolve, 100));
}
unwatchBlocks();
unwatchEvent();
const uninstalled = await overHttp.uninstallFilter({ filter: eventFilter });
console.log(
  JSON.stringify({
    blocks,
    filterBlocks,
    socketEvent: socketEvent && { tx: socketEvent.transactionHash, value: socketEvent.args.value.toString() },
    filterEvent: filterEvent && { tx: filterEvent.transactionHash, value: filterEvent.args.value.toString() },
    uninstalled,
  }),
);
process.exit(0);

function fail(message) {
  console.error(message);
  process.exit(1);
}
