"""The kinds of thing a product can be: a page of HTML, a video on one of the hosting platforms, or a package."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AssetType:
    id: int
    name: str
    content_type: str  # html | ovp (a video hosted on a platform) | package
    host: str
    description: str
    platform: str  # the short name a platform's own ids are looked up under (jw, ooyala, …)


def _video(id_: int, platform: str, label: str) -> AssetType:
    return AssetType(id_, f"{platform}_asset", "ovp", "inplayer", f"{label} asset", platform)


PACKAGE = "package"

ASSET_TYPES: tuple[AssetType, ...] = (
    AssetType(1, "html_asset", "html", "inplayer", "HTML/Text asset", "html"),
    _video(2, "ooyala", "Ooyala"),
    _video(3, "brightcove", "Brightcove"),
    _video(4, "inplayer", "InPlayer video"),
    AssetType(5, PACKAGE, "package", "inplayer", "Package of assets", PACKAGE),
    _video(6, "jw", "JW Player"),
    _video(7, "accedo", "Accedo"),
    _video(8, "aws", "AWS"),
    _video(9, "cloudfront", "CloudFront"),
    _video(10, "dacast", "Dacast"),
    _video(11, "kaltura", "Kaltura"),
    _video(12, "laola", "Laola"),
    _video(13, "livestream", "Livestream"),
    _video(14, "panopto", "Panopto"),
    _video(15, "piksel", "Piksel"),
    _video(16, "qbrick", "Qbrick"),
    _video(17, "sportone", "SportOne"),
    _video(18, "sportradar", "Sportradar"),
    _video(19, "streamamg", "StreamAMG"),
    _video(20, "vidyard", "Vidyard"),
    _video(21, "wistia", "Wistia"),
    _video(22, "wowza", "Wowza"),
)
BY_NAME = {asset_type.name: asset_type for asset_type in ASSET_TYPES}
BY_PLATFORM = {asset_type.platform: asset_type for asset_type in ASSET_TYPES}
DEFAULT = BY_NAME["html_asset"]


def asset_type_of(name: str) -> AssetType:
    """The type a stored product names; an unknown name (from older data) reads as a plain HTML asset."""
    return BY_NAME.get(name, DEFAULT)


# Who may open a product.
ACCESS_CONTROLS: tuple[str, ...] = ("paid", "code", "auth", "data_capture")
