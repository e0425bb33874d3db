"""metallb_pool_check by address (issue 13: never collapsed by app name) and metallb_pool_overlaps."""

from ansible_collections.homelab.mediastack.plugins.filter.metallb import metallb_pool_check, metallb_pool_overlaps

POOL = ["192.0.2.150-192.0.2.165"]


def test_one_app_one_address_on_many_hosts_is_one_request():
    requested = [{"ip": "192.0.2.157", "app": "sonarr", "host": h} for h in ("a", "b", "c")]
    result = metallb_pool_check(POOL, requested, 4)
    assert result["requested"] == 1 and result["duplicates"] == [] and result["outside"] == []


def test_one_address_for_two_apps_is_refused_with_its_owners():
    requested = [{"ip": "192.0.2.157", "app": "sonarr"}, {"ip": "192.0.2.157", "app": "radarr"}]
    result = metallb_pool_check(POOL, requested, 0)
    assert result["duplicates"] == ["192.0.2.157"]
    assert result["owners"]["192.0.2.157"] == ["sonarr", "radarr"]


def test_one_app_asking_two_addresses_counts_both():
    """Keyed by app name, the second address (outside the pool) was lost."""
    requested = [{"ip": "192.0.2.200", "app": "sonarr", "host": "a"}, {"ip": "192.0.2.157", "app": "sonarr", "host": "b"}]
    result = metallb_pool_check(POOL, requested, 0)
    assert result["requested"] == 2 and result["outside"] == ["192.0.2.200"]


def test_other_pools_on_our_addresses_are_named():
    pools = [{"metadata": {"name": "media", "namespace": "metallb-system"}, "spec": {"addresses": POOL}},
             {"metadata": {"name": "default", "namespace": "metallb-system"}, "spec": {"addresses": ["192.0.2.160/28"]}},
             {"metadata": {"name": "other", "namespace": "metallb-system"}, "spec": {"addresses": ["198.51.100.0/24"]}}]
    assert metallb_pool_overlaps(POOL, pools, "media") == {"overlapping": ["metallb-system/default"]}
    assert metallb_pool_overlaps(POOL, pools[:1] + pools[2:], "media") == {"overlapping": []}
