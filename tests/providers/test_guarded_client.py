"""The shared client's answer limit (providers/client.py): counted after decoding, exactly at the
limit still read, one byte more refused; gzip and deflate decoded here, HEAD never counted."""

from __future__ import annotations

import gzip
import zlib

import httpx
import pytest

from providers.client import BodyTooLarge, Guard, GuardedClient
from tests.fakes.scripted import Reply, ScriptedServer

LIMIT = 1024
TOO_LARGE = "upstream answered more than 1024 bytes; raise the limit"


def raw_deflate(data: bytes) -> bytes:
    codec = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return codec.compress(data) + codec.flush()


@pytest.mark.parametrize(
    ("body", "encoding", "expected"),
    [
        pytest.param(b"x" * LIMIT, "", b"x" * LIMIT, id="identity-at-the-limit"),
        pytest.param(b"x" * (LIMIT + 1), "", None, id="identity-one-byte-over"),
        pytest.param(gzip.compress(b"y" * LIMIT), "gzip", b"y" * LIMIT, id="gzip-at-the-limit"),
        pytest.param(gzip.compress(b"y" * (LIMIT + 1)), "gzip", None, id="gzip-one-byte-over"),
        pytest.param(gzip.compress(b"z" * 10**7), "x-gzip", None, id="gzip-bomb"),
        pytest.param(zlib.compress(b'{"a": 1}'), "deflate", b'{"a": 1}', id="deflate-zlib"),
        pytest.param(raw_deflate(b'{"a": 1}'), "deflate", b'{"a": 1}', id="deflate-raw"),
        pytest.param(
            gzip.compress(gzip.compress(b"w" * 100)), "gzip, gzip", b"w" * 100, id="gzip-twice"
        ),
        pytest.param(
            gzip.compress(gzip.compress(b"w" * 10**6)), "gzip, gzip", None, id="gzip-twice-bomb"
        ),
    ],
)
async def test_answers_are_read_up_to_the_limit(
    scripted: ScriptedServer, body: bytes, encoding: str, expected: bytes | None
) -> None:
    headers = (("Content-Encoding", encoding),) if encoding else ()
    url = scripted.reply("/a", Reply(body=body, headers=headers))
    guard = Guard(max_body_bytes=LIMIT, too_large_hint="raise the limit")
    async with GuardedClient(guard) as client:
        if expected is None:
            with pytest.raises(BodyTooLarge) as caught:
                await client.get(url)
            assert str(caught.value) == TOO_LARGE
        else:
            reply = await client.get(url)
            assert reply.content == expected
            assert "content-encoding" not in reply.headers


async def test_an_answer_that_does_not_decode_says_so(scripted: ScriptedServer) -> None:
    url = scripted.reply(
        "/a", Reply(body=b"not gzip at all", headers=(("Content-Encoding", "gzip"),))
    )
    async with GuardedClient(Guard(max_body_bytes=LIMIT)) as client:
        with pytest.raises(httpx.DecodingError) as caught:
            await client.get(url)
    assert str(caught.value) == (
        "the answer does not decode as its Content-Encoding says: Error -3 while decompressing "
        "data: incorrect header check"
    )


async def test_head_announces_a_length_it_does_not_send(scripted: ScriptedServer) -> None:
    url = scripted.reply("/a", Reply(body=b"x" * 10 * LIMIT))
    async with GuardedClient(Guard(max_body_bytes=LIMIT)) as client:
        reply = await client.head(url)
    assert (reply.status_code, reply.headers["content-length"]) == (200, str(10 * LIMIT))
