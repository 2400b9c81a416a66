# posart: find, trace and remove positional artefacts in transformer hidden states.
# The DAG reads top-down as the science: data -> encode -> outliers -> post-processing ->
# geometry and tasks -> paper tables and figures. All maths lives in src/posart.
import os
import sys

from snakemake.utils import min_version

min_version("9.0")

# The workflow imports the package from this checkout; jobs find it through the
# scripts/posart link (Snakemake puts the scripts folder on a script's sys.path), so
# even a conda env without posart installed runs this checkout's code.
sys.path.insert(0, os.path.join(workflow.basedir, "src"))

from posart.config import DEFAULT_FILE, load as load_config

# A named config (--configfile) describes the whole run; config.yaml, the demo, is read only
# when none is given; --config overrides come last. Validated with every schema default
# filled and cross-checked once, before the DAG is built (posart.config).
_loaded = load_config(
    workflow.config_settings.configfiles or [DEFAULT_FILE],
    dict(workflow.config_settings.config),
    schema_path=os.path.join(workflow.basedir, "schemas", "config.schema.yaml"),
)
config.clear()
config.update(_loaded)


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/encode.smk"
include: "rules/outliers.smk"
include: "rules/postprocess.smk"
include: "rules/geometry.smk"
include: "rules/tasks.smk"
include: "rules/paper.smk"


rule all:
    default_target: True
    input:
        all_targets(),
