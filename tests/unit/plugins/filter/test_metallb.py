"""metallb_pool_check: the LoadBalancer addresses the apps ask for fit the MetalLB pool."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.homelab.mediastack.plugins.filter.metallb import metallb_pool_check


def test_pool_fits_requested_ips_plus_spare():
    result = metallb_pool_check(["192.0.2.150-192.0.2.165"], ["192.0.2.154", "192.0.2.161"], 4)
    assert result == {"size": 16, "requested": 2, "needed": 6, "outside": [], "duplicates": [], "big_enough": True}


def test_seed_000_pool_too_small_and_ip_outside():
    # seed 000: the pool ended at .160 and SABnzbd asked for .161.
    requested = ["192.0.2.%d" % n for n in range(154, 162)]
    result = metallb_pool_check(["192.0.2.150-192.0.2.160"], requested, 4)
    assert result["outside"] == ["192.0.2.161"]
    assert not result["big_enough"]


def test_cidr_and_duplicates():
    result = metallb_pool_check(["198.51.100.0/29"], ["198.51.100.3", "198.51.100.3", "192.0.2.1"])
    assert result["size"] == 8
    assert result["duplicates"] == ["198.51.100.3"]
    assert result["outside"] == ["192.0.2.1"]


@pytest.mark.parametrize("bad", ["192.0.2.20-192.0.2.10", "192.0.2.300", "pool"])
def test_bad_ranges_are_refused(bad):
    with pytest.raises(AnsibleFilterError):
        metallb_pool_check([bad])
