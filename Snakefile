# posart: find, trace and remove positional artefacts in transformer hidden states.
# The DAG reads top-down as the science: data -> encode -> outliers -> post-processing ->
# geometry and tasks -> paper tables and figures. All maths lives in src/posart.
from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config.yaml"


validate(config, "schemas/config.schema.yaml")


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/identity.smk"
include: "rules/encode.smk"
include: "rules/outliers.smk"
include: "rules/postprocess.smk"
include: "rules/geometry.smk"
include: "rules/tasks.smk"
include: "rules/paper.smk"


rule all:
    input:
        all_targets(),
    default_target: True
