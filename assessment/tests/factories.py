"""Factories and file builders for the assessment tests."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import factory

from assessment.models import CfsCallType, CfsCity, Divertibility

MILWAUKEE_SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "milwaukee_mpd_cfs_2018-05.csv"
MILWAUKEE_GZ = Path(__file__).resolve().parent / "data" / "milwaukee_mpd_cfs_2018-05.csv.gz"
MILWAUKEE = MILWAUKEE_SHARED if MILWAUKEE_SHARED.exists() else MILWAUKEE_GZ
MILWAUKEE_ROWS = 33_968


class CfsCityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CfsCity
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"City {n}")
    timezone = "America/Chicago"


class CfsCallTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CfsCallType

    city = factory.SubFactory(CfsCityFactory)
    key = factory.Sequence(lambda n: f"TYPE {n}")
    description = factory.LazyAttribute(lambda o: o.key)
    divertibility = Divertibility.UNCLASSIFIED


def csv_text(rows: list[list[str]], *, quote_all: bool = False, line_end: str = "\r\n") -> str:
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, lineterminator=line_end, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    )
    writer.writerows(rows)
    return buffer.getvalue()


def write_csv(
    path: Path,
    rows: list[list[str]],
    *,
    quote_all: bool = False,
    line_end: str = "\r\n",
    prefix: bytes = b"",
    encoding: str = "utf-8",
) -> Path:
    path.write_bytes(prefix + csv_text(rows, quote_all=quote_all, line_end=line_end).encode(encoding))
    return path


MKE_HEADER = ["id", "time", "location", "latitude", "longitude", "district", "nature", "status"]


def mke_row(
    number: int, time: str, nature: str, district: str = "1", lat: str = "43.05", lon: str = "-87.95"
):
    return [str(number), time, f"{number} N 1ST ST,MKE", lat, lon, district, nature, "Advised"]
