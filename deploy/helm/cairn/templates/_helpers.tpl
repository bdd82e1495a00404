{{/* The release's name for its objects, at most 63 characters (a DNS label). */}}
{{- define "cairn.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The headless service that gives each pod its stable DNS name (Raft peers and advertised listeners). */}}
{{- define "cairn.headless" -}}
{{- printf "%s-headless" (include "cairn.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "cairn.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "cairn.labels" -}}
{{ include "cairn.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Pod i's DNS name: <fullname>-i.<headless>.<namespace>.svc.<domain>. */}}
{{- define "cairn.podHost" -}}
{{- printf "%s-%d.%s.%s.svc.%s" (include "cairn.fullname" .root) .ordinal (include "cairn.headless" .root) (.root.Release.Namespace | default "default") .root.Values.clusterDomain -}}
{{- end -}}

{{/* controller.quorum.voters: node id ordinal+1 at pod ordinal's Raft port, for every replica. */}}
{{- define "cairn.voters" -}}
{{- $voters := list -}}
{{- range $i := until (int .Values.replicas) -}}
{{- $voters = append $voters (printf "%d@%s:%d" (add1 $i) (include "cairn.podHost" (dict "root" $ "ordinal" $i)) (int $.Values.ports.raft)) -}}
{{- end -}}
{{- join "," $voters -}}
{{- end -}}
