"""H.264 decoder configurations (`avcC`) and the few parameter-set fields a join rewrites (pure:
no I/O; `media.mp4` reads and writes the boxes).

Why a join needs this: segments are copied into one stream that carries one `avcC` for all of
them. A hurried segment (`media.encoding`) is entropy-coded with CAVLC where the others use CABAC,
and the entropy coder is a field of the *picture* parameter set, so its pictures need a PPS of
their own. H.264 lets a stream carry several PPS, told apart by `pic_parameter_set_id`, each slice
naming the one it uses; x264 numbers its SPS and PPS with `sps-id`, so the hurried encode writes
SPS 1 / PPS 1. Its SPS must be the normal one's in every other bit (the join checks it), so the
joined file keeps one SPS (id 0) and lists both PPS, the hurried one pointed at SPS 0: the active
SPS never changes mid-stream, only the PPS, which any picture may do.

Exp-Golomb fields are rewritten on the RBSP (emulation-prevention bytes removed first and put back
after), and the trailing bits realigned, so the result is a well-formed NAL unit.
"""

from __future__ import annotations

from pydantic import BaseModel

HIGH_PROFILES = frozenset({100, 110, 122, 144})
"""Profiles whose `avcC` carries the chroma format and bit-depth fields after the PPS list."""


class ParameterSetError(ValueError):
    """A parameter set or `avcC` that cannot be read, or segments whose sets cannot share a file."""


def unescape(nal: bytes) -> bytes:
    """The RBSP of a NAL unit: every emulation-prevention byte (00 00 03) dropped."""
    out, zeros = bytearray(), 0
    for b in nal:
        if zeros >= 2 and b == 3:
            zeros = 0
            continue
        out.append(b)
        zeros = zeros + 1 if b == 0 else 0
    return bytes(out)


def escape(rbsp: bytes) -> bytes:
    """A NAL unit's bytes for its RBSP: 03 put after any two zero bytes followed by 00..03."""
    out, zeros = bytearray(), 0
    for b in rbsp:
        if zeros >= 2 and b <= 3:
            out.append(3)
            zeros = 0
        out.append(b)
        zeros = zeros + 1 if b == 0 else 0
    return bytes(out)


def _bits(data: bytes) -> str:
    return "".join(f"{b:08b}" for b in data)


def _ue(bits: str, pos: int) -> tuple[int, int]:
    """An unsigned Exp-Golomb value at `pos`, and the position after it."""
    zeros = 0
    while pos + zeros < len(bits) and bits[pos + zeros] == "0":
        zeros += 1
    end = pos + 2 * zeros + 1
    if end > len(bits):
        raise ParameterSetError("an Exp-Golomb field runs past the end of its parameter set")
    return int(bits[pos + zeros : end], 2) - 1, end


def _ue_code(value: int) -> str:
    code = bin(value + 1)[2:]
    return "0" * (len(code) - 1) + code


def _fields(nal: bytes, skip: int, count: int) -> tuple[str, list[tuple[int, int, int]]]:
    """The NAL's RBSP bits (after its one-byte header) and its first `count` Exp-Golomb fields
    after `skip` fixed bits, each as (value, start, end)."""
    if not nal:
        raise ParameterSetError("an empty parameter set")
    bits, pos, out = _bits(unescape(nal[1:])), skip, []
    for _ in range(count):
        value, end = _ue(bits, pos)
        out.append((value, pos, end))
        pos = end
    return bits, out


def _with_field(nal: bytes, skip: int, index: int, value: int) -> bytes:
    """`nal` with its `index`-th Exp-Golomb field after `skip` bits set to `value`."""
    bits, fields = _fields(nal, skip, index + 1)
    _, start, end = fields[index]
    body = (bits[:start] + _ue_code(value) + bits[end:]).rstrip("0")
    if not body.endswith("1"):
        raise ParameterSetError("a parameter set without its rbsp stop bit")
    body += "0" * (-len(body) % 8)
    rbsp = int(body, 2).to_bytes(len(body) // 8, "big")
    return nal[:1] + escape(rbsp)


_SPS_SKIP = 24
"""profile_idc, the constraint flags and level_idc come before seq_parameter_set_id."""


def sps_id(sps: bytes) -> int:
    return _fields(sps, _SPS_SKIP, 1)[1][0][0]


def pps_ids(pps: bytes) -> tuple[int, int]:
    """(pic_parameter_set_id, the seq_parameter_set_id it refers to)."""
    _, fields = _fields(pps, 0, 2)
    return fields[0][0], fields[1][0]


def sps_numbered(sps: bytes, new_id: int) -> bytes:
    return _with_field(sps, _SPS_SKIP, 0, new_id)


def pps_pointed_at(pps: bytes, new_sps_id: int) -> bytes:
    return _with_field(pps, 0, 1, new_sps_id)


class AvcConfig(BaseModel):
    """An `AVCDecoderConfigurationRecord` (ISO/IEC 14496-15 §5.3.3.1)."""

    profile: int
    compatibility: int
    level: int
    length_size: int
    sps: list[bytes]
    pps: list[bytes]
    extension: bytes = b""
    """What follows the PPS list (High profiles: chroma format, bit depths, SPS extensions)."""

    @classmethod
    def parse(cls, record: bytes) -> AvcConfig:
        try:
            if record[0] != 1:
                raise ParameterSetError(f"an avcC of version {record[0]}, not 1")
            pos, sets = 6, []
            for count_at_mask in (0x1F, 0xFF):
                count = record[pos - 1] & count_at_mask
                found = []
                for _ in range(count):
                    size = int.from_bytes(record[pos : pos + 2], "big")
                    found.append(record[pos + 2 : pos + 2 + size])
                    if len(found[-1]) != size:
                        raise ParameterSetError("an avcC cut short inside a parameter set")
                    pos += 2 + size
                sets.append(found)
                pos += 1
            return cls(
                profile=record[1],
                compatibility=record[2],
                level=record[3],
                length_size=(record[4] & 3) + 1,
                sps=sets[0],
                pps=sets[1],
                extension=record[pos - 1 :],
            )
        except IndexError as err:
            raise ParameterSetError("an avcC cut short") from err

    def record(self) -> bytes:
        out = bytearray([1, self.profile, self.compatibility, self.level, 0xFC | (self.length_size - 1)])
        out.append(0xE0 | len(self.sps))
        for s in self.sps:
            out += len(s).to_bytes(2, "big") + s
        out.append(len(self.pps))
        for p in self.pps:
            out += len(p).to_bytes(2, "big") + p
        return bytes(out + self.extension)


def shared_config(configs: list[AvcConfig], names: list[str]) -> AvcConfig:
    """One `avcC` for segments joined into one stream: their one SPS (numbered 0) and every PPS
    they use (each pointed at SPS 0). Refused, naming the segments, where they cannot share one:
    an SPS that differs in anything but its number, another profile or level, or two different
    PPS under one number."""
    if not configs:
        raise ParameterSetError("no segments to join")

    def odd(test: list[bool]) -> str:
        return ", ".join(n for n, bad in zip(names, test, strict=True) if bad)

    for c, n in zip(configs, names, strict=True):
        if len(c.sps) != 1 or not c.pps:
            raise ParameterSetError(f"{n} carries {len(c.sps)} SPS and {len(c.pps)} PPS (one SPS and a PPS expected)")
    spss = [sps_numbered(c.sps[0], 0) for c in configs]
    first = configs[0]
    heads = [(c.profile, c.compatibility, c.level, c.length_size, c.extension) for c in configs]
    bad = [s != spss[0] or h != heads[0] for s, h in zip(spss, heads, strict=True)]
    if any(bad):
        raise ParameterSetError(f"{odd(bad)} carry another SPS than {names[0]} (another encoder or settings)")
    by_id: dict[int, bytes] = {}
    clash = []
    for c in configs:
        mine = False
        for p in c.pps:
            number, refers = pps_ids(p)
            if refers != sps_id(c.sps[0]):
                raise ParameterSetError("a segment's PPS refers to an SPS it does not carry")
            shared = pps_pointed_at(p, 0)
            mine |= by_id.setdefault(number, shared) != shared
        clash.append(mine)
    if any(clash):
        raise ParameterSetError(f"{odd(clash)} carry another PPS under a number an earlier segment uses")
    return first.model_copy(update={"sps": [spss[0]], "pps": [by_id[k] for k in sorted(by_id)]})
