import functools
import time

import pytest

import tests.e2e.test_reorg as base
from l1.contracts import OUTPUT_PROPOSED_TOPIC, OutputOracle
from rollup_cli.l1_roles import start_devnet_l1

base.start_devnet_l1 = functools.partial(start_devnet_l1, submission_interval=2)
network = base.network


def test_proposer_after_reorg(network):
    client = network.anvil.client
    oracle = OutputOracle(client, network.deployment.output_oracle)
    base.wait_for(lambda: oracle.output_count() >= 2, 90, "outputs")
    network.anvil.rpc("evm_setIntervalMining", [0])
    try:
        def mined():
            network.anvil.mine(1)
            head = client.block_number()
            logs = client.get_logs([network.deployment.output_oracle], [[OUTPUT_PROPOSED_TOPIC]], head, head)
            if logs:
                return head
            time.sleep(1)
            return None
        head = base.wait_for(mined, 60, "proposal at head")
        before = oracle.output_count()
        network.anvil.reorg(1)
        after_reorg = oracle.output_count()
    finally:
        network.anvil.rpc("evm_setIntervalMining", [1])
    print("outputs before reorg", before, "after", after_reorg)
    time.sleep(40)
    print("outputs 40 s later", oracle.output_count(), "L2 head", network.seq.eth.block_number)
    print([l for l in network.sequencer.log().splitlines() if "propos" in l][-5:])
