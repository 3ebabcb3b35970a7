"""Builds the grouping kernels ahead of time (numba.pycc) into mixitup/_kernels_aot*.so, so that
no run imports numba or compiles. The build is optional: without a C compiler, Python's headers
or numba.pycc, the install still succeeds and mixitup compiles the kernels on first use."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from setuptools import setup
from setuptools.command.build_ext import build_ext

sys.path.insert(0, str(Path(__file__).parent))  # the build imports mixitup.aot from the tree


class OptionalBuildExt(build_ext):
    """Compiles the kernels to an object file with LLVM, then links them as usual; any failure
    leaves the package without the module (a warning), never a failed install."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as error:  # noqa: BLE001 (any build failure means: no module)
            self.warn(f"the grouping kernels were not built ahead of time ({error}); "
                      "mixitup will compile them on first use (about 10 s, once)")  # fmt: skip

    def build_extension(self, ext: Any) -> None:
        try:
            if getattr(ext, "_cc", None) is not None:
                ext._prepare_object_files(self)
            super().build_extension(ext)
        except Exception as error:  # noqa: BLE001
            self.warn(f"the grouping kernels were not built ahead of time ({error}); "
                      "mixitup will compile them on first use (about 10 s, once)")  # fmt: skip


def extensions() -> list[Any]:
    try:
        from mixitup.aot import compiler

        return [compiler().distutils_extension()]
    except Exception as error:  # noqa: BLE001 (no numba.pycc: no module, same as above)
        print(f"warning: the grouping kernels will not be built ahead of time: {error}")
        return []


setup(ext_modules=extensions(), cmdclass={"build_ext": OptionalBuildExt})
