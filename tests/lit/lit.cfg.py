# lit configuration for cnnc's IR tests: RUN lines call `cnnc`, `FileCheck` and `not` from PATH.
import os
import lit.formats

config.name = "cnnc"
config.test_format = lit.formats.ShTest(True)
config.suffixes = [".cnn", ".test"]
config.excludes = ["Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = lit_config.params.get("exec_root", os.path.dirname(__file__))
config.environment["PATH"] = os.pathsep.join(
    [lit_config.params["cnnc_bin_dir"], lit_config.params["filecheck_dir"], os.environ["PATH"]])
