"""One SOAP round trip to the local MES simulator: zeep against a raw HTTP POST.

The MES backend's own client (``stock_sync_connector_soap``'s ``MesClient``:
zeep, the backend's authentication, timeouts and rate-limit check) calls
``ReportMaterialAvailability`` on the MES simulator (spyne, a real server on
127.0.0.1). In the same run and in turn with it (zeep, raw, zeep, ...), the
same envelope, built once by zeep with a placeholder event id, is POSTed as
bytes with ``requests`` on a pooled session and the same headers, and the
answer is only checked for its status. Both pay the simulator's work; the
difference is what zeep adds on the client: building the envelope from the
WSDL's types, posting it, parsing and typing the answer. Target: zeep p50 /
raw p50 <= 2.
"""

import sys
import time
import uuid
from pathlib import Path

from lib import stats
from lib.registry import env, load, parse_args, scaled

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "addons" / "stock_sync_connector_soap" / "tests"))

from mes_simulator import MesSimulator  # noqa: E402

ITEMS = [
    {"Sku": f"SKU-{n}", "Location": "LINE-1", "OnHand": 10.5 + n, "Unit": "EA", "Lot": None}
    for n in range(3)
]


def main():
    args = parse_args(__doc__.split("\n", 1)[0])
    rounds = scaled(400, args.scale, minimum=20)
    results = stats.Results("soap", args.scale, {"round trips each": rounds, "items per call": 3})
    registry = load(args.conf, args.db)
    import requests
    from zeep.wsdl.utils import etree_to_string

    with MesSimulator(api_key="bench-key") as sim:
        with env(registry) as e:
            e["ir.config_parameter"].set_param("stock_sync.allow_local_urls", "True")
            backend = e["stock.sync.backend"].create(
                {
                    "name": "Bench MES",
                    "kind": "mes_soap",
                    "base_url": sim.wsdl_url,
                    "auth_type": "api_key",
                    "api_key": "bench-key",
                    "rate_limit": 0,
                }
            )
            client = backend._mes_client()
            api_headers = {"X-API-Key": "bench-key"}
        service = client.service
        message = client.client.create_message(
            service,
            "ReportMaterialAvailability",
            EventId="@@EVENT@@",
            Time=None,
            Sequence=1,
            Items={"AvailabilityItem": ITEMS},
        )
        template = etree_to_string(message)
        operation = client.client.wsdl.bindings[
            next(iter(client.client.wsdl.bindings))
        ]._operations["ReportMaterialAvailability"]
        headers = {
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": f'"{operation.soapaction}"',
            **api_headers,
        }
        address = service._binding_options["address"]
        raw_session = requests.Session()

        def by_zeep():
            answer = client.call(
                "ReportMaterialAvailability",
                EventId=uuid.uuid4().hex,
                Time=None,
                Sequence=1,
                Items={"AvailabilityItem": ITEMS},
            )
            assert answer.Accepted and not answer.Duplicate

        def by_raw():
            body = template.replace(b"@@EVENT@@", uuid.uuid4().hex.encode())
            response = raw_session.post(address, data=body, headers=headers, timeout=(5, 15))
            assert response.status_code == 200 and b"Accepted>true<" in response.content

        for _ in range(20):  # warm both paths: connections, caches
            by_zeep()
            by_raw()
        zeep_ms, raw_ms = [], []
        for _ in range(rounds):
            for call, times in ((by_zeep, zeep_ms), (by_raw, raw_ms)):
                started = time.perf_counter()
                call()
                times.append((time.perf_counter() - started) * 1000)
        assert len(sim.received) == 40 + 2 * rounds, "every call reached the MES once"
        with env(registry) as e:
            e["stock.sync.backend"].browse(backend.id).unlink()

    results.add("zeep_p50", stats.percentile(zeep_ms, 50), "ms", "zeep round trip p50")
    results.add("zeep_p95", stats.percentile(zeep_ms, 95), "ms", "zeep round trip p95")
    results.add("raw_p50", stats.percentile(raw_ms, 50), "ms", "raw POST of the same envelope p50")
    results.add("raw_p95", stats.percentile(raw_ms, 95), "ms", "raw POST p95")
    results.ratio("zeep_vs_raw", "zeep_p50", "raw_p50", "zeep p50 / raw POST p50", ("<=", 2.0))
    results.save()


if __name__ == "__main__":
    main()
